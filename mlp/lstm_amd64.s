// The LSTM cell's float32 forward step on 8 lanes (AVX2): the same
// operations in the same order as cellForward32's Go loop (exp32,
// sigmoid32, tanh32), each correctly rounded and none fused, so the
// results are bitwise those of the Go loop.

#include "textflag.h"

// Offsets into the constant table (lstmConsts32): each constant 8 times.
#define K_LO 0
#define K_HI 32
#define K_LOG2E 64
#define K_MAGIC 96
#define K_LN2HI 128
#define K_LN2LO 160
#define K_E0 192
#define K_E1 224
#define K_E2 256
#define K_E3 288
#define K_E4 320
#define K_E5 352
#define K_ONE 384
#define K_BIAS 416
#define K_SIGN 448
#define K_ABS 480
#define K_CUT 512
#define K_T0 544
#define K_T1 576
#define K_T2 608
#define K_T3 640
#define K_T4 672
#define K_TWO 704

// EXP(x, t1, t2, t3): x = exp32(x). The clamps take the bound as the first
// source so that a NaN in x is what comes out, as Go's min and max do.
#define EXP(x, t1, t2, t3) \
	VMOVUPS K_LO(AX), t1; \
	VMAXPS x, t1, x; \
	VMOVUPS K_HI(AX), t1; \
	VMINPS x, t1, x; \
	VMULPS K_LOG2E(AX), x, t1; \
	VADDPS K_MAGIC(AX), t1, t1; \
	VSUBPS K_MAGIC(AX), t1, t2; \
	VMULPS K_LN2HI(AX), t2, t3; \
	VSUBPS t3, x, x; \
	VMULPS K_LN2LO(AX), t2, t3; \
	VSUBPS t3, x, x; \
	VMULPS x, x, t2; \
	VMULPS K_E0(AX), x, t3; \
	VADDPS K_E1(AX), t3, t3; \
	VMULPS x, t3, t3; \
	VADDPS K_E2(AX), t3, t3; \
	VMULPS x, t3, t3; \
	VADDPS K_E3(AX), t3, t3; \
	VMULPS x, t3, t3; \
	VADDPS K_E4(AX), t3, t3; \
	VMULPS x, t3, t3; \
	VADDPS K_E5(AX), t3, t3; \
	VMULPS t2, t3, t3; \
	VADDPS x, t3, t3; \
	VADDPS K_ONE(AX), t3, t3; \
	VPADDD K_BIAS(AX), t1, t1; \
	VPSLLD $23, t1, t1; \
	VMULPS t1, t3, x

// SIGMOID(x, t1, t2, t3): x = sigmoid32(x) = 1/(1 + exp32(-x)).
#define SIGMOID(x, t1, t2, t3) \
	VXORPS K_SIGN(AX), x, x; \
	EXP(x, t1, t2, t3); \
	VADDPS K_ONE(AX), x, x; \
	VMOVUPS K_ONE(AX), t1; \
	VDIVPS x, t1, x

// TANH(x, y, s, a, z, t1, t2, t3): y = tanh32(x); x is kept. Both branches
// are computed and the one tanh32 takes is selected.
#define TANH(x, y, s, a, z, t1, t2, t3) \
	VANDPS K_SIGN(AX), x, s; \
	VANDPS K_ABS(AX), x, a; \
	VMULPS x, x, z; \
	VMULPS K_T0(AX), z, y; \
	VADDPS K_T1(AX), y, y; \
	VMULPS z, y, y; \
	VADDPS K_T2(AX), y, y; \
	VMULPS z, y, y; \
	VADDPS K_T3(AX), y, y; \
	VMULPS z, y, y; \
	VADDPS K_T4(AX), y, y; \
	VMULPS z, y, y; \
	VMULPS x, y, y; \
	VADDPS x, y, y; \
	VCMPPS $1, K_CUT(AX), a, z; \
	VADDPS a, a, a; \
	EXP(a, t1, t2, t3); \
	VADDPS K_ONE(AX), a, a; \
	VMOVUPS K_TWO(AX), t1; \
	VDIVPS a, t1, t1; \
	VMOVUPS K_ONE(AX), a; \
	VSUBPS t1, a, a; \
	VBLENDVPS z, y, a, y; \
	VORPS s, y, y

// func cellForward32AVX2(gates, c, tc, h, cPrev *float32, rows, nH, n8 int, k *[23][8]uint32)
// gates is (rows, 4nH), c, tc, h and cPrev (rows, nH); columns 0..n8-1 of each
// gate and state are done, n8 a multiple of 8.
TEXT ·cellForward32AVX2(SB), NOSPLIT, $0-72
	MOVQ gates+0(FP), DI
	MOVQ c+8(FP), SI
	MOVQ tc+16(FP), R11
	MOVQ h+24(FP), R12
	MOVQ cPrev+32(FP), R13
	MOVQ rows+40(FP), CX
	MOVQ n8+56(FP), DX
	SHLQ $2, DX
	MOVQ k+64(FP), AX
	TESTQ CX, CX
	JLE  done
	TESTQ DX, DX
	JLE  done

row:
	MOVQ nH+48(FP), BX
	SHLQ $2, BX
	LEAQ (DI)(BX*1), R8  // f
	LEAQ (R8)(BX*1), R9  // g
	LEAQ (R9)(BX*1), R10 // o
	XORQ BX, BX

col:
	VMOVUPS (DI)(BX*1), Y0
	SIGMOID(Y0, Y4, Y5, Y6)
	VMOVUPS Y0, (DI)(BX*1)
	VMOVUPS (R8)(BX*1), Y1
	SIGMOID(Y1, Y4, Y5, Y6)
	VMOVUPS Y1, (R8)(BX*1)
	VMOVUPS (R9)(BX*1), Y7
	TANH(Y7, Y2, Y8, Y9, Y10, Y4, Y5, Y6)
	VMOVUPS Y2, (R9)(BX*1)
	VMOVUPS (R10)(BX*1), Y3
	SIGMOID(Y3, Y4, Y5, Y6)
	VMOVUPS Y3, (R10)(BX*1)
	VMULPS (R13)(BX*1), Y1, Y4 // f*cPrev
	VMULPS Y2, Y0, Y5          // i*g
	VADDPS Y5, Y4, Y4          // c
	VMOVUPS Y4, (SI)(BX*1)
	TANH(Y4, Y7, Y8, Y9, Y10, Y11, Y12, Y13)
	VMOVUPS Y7, (R11)(BX*1)
	VMULPS Y7, Y3, Y7          // h = o*tanh(c)
	VMOVUPS Y7, (R12)(BX*1)
	ADDQ $32, BX
	CMPQ BX, DX
	JLT  col

	MOVQ nH+48(FP), BX
	SHLQ $2, BX
	ADDQ BX, SI
	ADDQ BX, R11
	ADDQ BX, R12
	ADDQ BX, R13
	SHLQ $2, BX
	ADDQ BX, DI
	DECQ CX
	JNZ  row

done:
	VZEROUPPER
	RET

// func cellBackward32AVX2(dG, dc, dh, gates, cPrev, tc, db, dwx, x *float32, rows, nH, n8 int, k *[23][8]uint32)
// The backward step of cellBackward32's Go loop for the columns 0..n8-1 of
// every gate and state, n8 a multiple of 8: 8 columns at a time, over all
// rows, with the sums over rows of the gates' gradient (and, when x is not
// nil, of the gradient times x[r]) in registers, added into db (and dwx)
// after the last row, as the Go loop adds its sums.
TEXT ·cellBackward32AVX2(SB), NOSPLIT, $0-104
	MOVQ k+96(FP), AX
	MOVQ nH+80(FP), DX
	SHLQ $2, DX              // S: bytes of one gate block
	LEAQ (DX)(DX*2), SI      // 3S
	XORQ BX, BX              // byte offset of the 8 columns
	MOVQ rows+72(FP), CX
	TESTQ CX, CX
	JLE  bdone
	MOVQ n8+88(FP), CX
	TESTQ CX, CX
	JLE  bdone

chunk:
	MOVQ gates+24(FP), DI
	ADDQ BX, DI
	MOVQ dG+0(FP), R8
	ADDQ BX, R8
	MOVQ dc+8(FP), R9
	ADDQ BX, R9
	MOVQ dh+16(FP), R10
	ADDQ BX, R10
	MOVQ cPrev+32(FP), R11
	ADDQ BX, R11
	MOVQ tc+40(FP), R12
	ADDQ BX, R12
	MOVQ x+64(FP), R13
	MOVQ rows+72(FP), CX
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	VXORPS Y12, Y12, Y12
	VXORPS Y13, Y13, Y13
	VXORPS Y14, Y14, Y14
	VXORPS Y15, Y15, Y15

brow:
	VMOVUPS (R10), Y0        // dh
	VMOVUPS (R12), Y1        // tanh(c)
	VMOVUPS (DI)(SI*1), Y2   // o
	VMULPS  Y1, Y1, Y3
	VMOVUPS K_ONE(AX), Y4
	VSUBPS  Y3, Y4, Y3       // 1 - tc²
	VMULPS  Y2, Y0, Y4       // dh*o
	VMULPS  Y3, Y4, Y4
	VADDPS  (R9), Y4, Y4     // dc_t = dc + dh*o*(1-tc²)
	VMULPS  Y1, Y0, Y3       // dh*tc
	VMULPS  Y2, Y3, Y3
	VMOVUPS K_ONE(AX), Y5
	VSUBPS  Y2, Y5, Y5
	VMULPS  Y5, Y3, Y3       // dG_o = dh*tc*o*(1-o)
	VMOVUPS Y3, (R8)(SI*1)
	VADDPS  Y3, Y11, Y11
	VMOVUPS (DI), Y5         // i
	VMOVUPS (DI)(DX*2), Y6   // g
	VMULPS  Y6, Y4, Y3       // dc_t*g
	VMULPS  Y5, Y3, Y3
	VMOVUPS K_ONE(AX), Y0
	VSUBPS  Y5, Y0, Y0
	VMULPS  Y0, Y3, Y3       // dG_i = dc_t*g*i*(1-i)
	VMOVUPS Y3, (R8)
	VADDPS  Y3, Y8, Y8
	VMULPS  Y5, Y4, Y3       // dc_t*i
	VMULPS  Y6, Y6, Y0
	VMOVUPS K_ONE(AX), Y1
	VSUBPS  Y0, Y1, Y1
	VMULPS  Y1, Y3, Y3       // dG_g = dc_t*i*(1-g²)
	VMOVUPS Y3, (R8)(DX*2)
	VADDPS  Y3, Y10, Y10
	VMOVUPS (DI)(DX*1), Y5   // f
	VMULPS  (R11), Y4, Y3    // dc_t*cPrev
	VMULPS  Y5, Y3, Y3
	VMOVUPS K_ONE(AX), Y0
	VSUBPS  Y5, Y0, Y0
	VMULPS  Y0, Y3, Y3       // dG_f = dc_t*cPrev*f*(1-f)
	VMOVUPS Y3, (R8)(DX*1)
	VADDPS  Y3, Y9, Y9
	VMULPS  Y5, Y4, Y4       // dc = dc_t*f
	VMOVUPS Y4, (R9)
	TESTQ   R13, R13
	JZ      bnext
	VBROADCASTSS (R13), Y7   // x[r]
	VMULPS  (R8), Y7, Y0
	VADDPS  Y0, Y12, Y12
	VMULPS  (R8)(DX*1), Y7, Y0
	VADDPS  Y0, Y13, Y13
	VMULPS  (R8)(DX*2), Y7, Y0
	VADDPS  Y0, Y14, Y14
	VMULPS  (R8)(SI*1), Y7, Y0
	VADDPS  Y0, Y15, Y15
	ADDQ    $4, R13

bnext:
	LEAQ (DI)(DX*4), DI
	LEAQ (R8)(DX*4), R8
	ADDQ DX, R9
	ADDQ DX, R10
	ADDQ DX, R11
	ADDQ DX, R12
	DECQ CX
	JNZ  brow

	MOVQ    db+48(FP), CX
	ADDQ    BX, CX
	VADDPS  (CX), Y8, Y8
	VMOVUPS Y8, (CX)
	VADDPS  (CX)(DX*1), Y9, Y9
	VMOVUPS Y9, (CX)(DX*1)
	VADDPS  (CX)(DX*2), Y10, Y10
	VMOVUPS Y10, (CX)(DX*2)
	VADDPS  (CX)(SI*1), Y11, Y11
	VMOVUPS Y11, (CX)(SI*1)
	MOVQ    x+64(FP), CX
	TESTQ   CX, CX
	JZ      bchunk
	MOVQ    dwx+56(FP), CX
	ADDQ    BX, CX
	VADDPS  (CX), Y12, Y12
	VMOVUPS Y12, (CX)
	VADDPS  (CX)(DX*1), Y13, Y13
	VMOVUPS Y13, (CX)(DX*1)
	VADDPS  (CX)(DX*2), Y14, Y14
	VMOVUPS Y14, (CX)(DX*2)
	VADDPS  (CX)(SI*1), Y15, Y15
	VMOVUPS Y15, (CX)(SI*1)

bchunk:
	ADDQ $32, BX
	MOVQ n8+88(FP), CX
	SHLQ $2, CX
	CMPQ BX, CX
	JLT  chunk

bdone:
	VZEROUPPER
	RET
