// LayerNorm's float32 rows on AVX2: the same operations in the same order
// as layernormForward's and layernormBackward's Go loops (eight
// interleaved partial sums, combined by sum8's tree), each correctly
// rounded, so the results are bitwise those of the Go loops.

#include "textflag.h"

DATA ln32<>+0(SB)/8, $0x3ee4f8b588e368f1 // 1e-5, float64
DATA ln32<>+8(SB)/8, $0x3ff0000000000000 // 1, float64
GLOBL ln32<>(SB), RODATA|NOPTR, $16

// SUM8(Y, X, T) leaves in the low float of X (the X name of Y) the sum of
// Y's eight lanes as ((l0+l4) + (l2+l6)) + ((l1+l5) + (l3+l7)); T is
// scratch.
#define SUM8(Y, X, T) \
	VEXTRACTF128 $1, Y, T \
	VADDPS       T, X, X \
	VMOVHLPS     X, X, T \
	VADDPS       T, X, X \
	VMOVSHDUP    X, T \
	VADDSS       T, X, X

// func layernormForward32AVX2(out, mean, rstd, in, w, b *float32, rows, n int, inv float32)
// n is a positive multiple of 8.
TEXT ·layernormForward32AVX2(SB), NOSPLIT, $0-68
	MOVQ         out+0(FP), DI
	MOVQ         mean+8(FP), R10
	MOVQ         rstd+16(FP), R11
	MOVQ         in+24(FP), SI
	MOVQ         w+32(FP), R8
	MOVQ         b+40(FP), R9
	MOVQ         rows+48(FP), CX
	MOVQ         n+56(FP), DX
	VMOVSS       inv+64(FP), X15
	LEAQ         ln32<>(SB), AX

frow:
	TESTQ CX, CX
	JLE   fdone

	// m = sum(x) * inv
	VXORPS Y0, Y0, Y0
	XORQ   BX, BX

fsum:
	VADDPS (SI)(BX*4), Y0, Y0
	ADDQ   $8, BX
	CMPQ   BX, DX
	JLT    fsum
	SUM8(Y0, X0, X2)
	VMULSS       X15, X0, X0
	VMOVSS       X0, (R10)
	VBROADCASTSS X0, Y1

	// v = sum((x - m)*(x - m)); s = 1/sqrt(float64(v*inv) + 1e-5)
	VXORPS Y2, Y2, Y2
	XORQ   BX, BX

fvar:
	VMOVUPS (SI)(BX*4), Y3
	VSUBPS  Y1, Y3, Y3
	VMULPS  Y3, Y3, Y3
	VADDPS  Y3, Y2, Y2
	ADDQ    $8, BX
	CMPQ    BX, DX
	JLT     fvar
	SUM8(Y2, X2, X3)
	VMULSS       X15, X2, X2
	VCVTSS2SD    X2, X2, X2
	VADDSD       0(AX), X2, X2
	VSQRTSD      X2, X2, X2
	VMOVSD       8(AX), X3
	VDIVSD       X2, X3, X3
	VCVTSD2SS    X3, X3, X3
	VMOVSS       X3, (R11)
	VBROADCASTSS X3, Y4

	// out = (x - m)*s*w + b
	XORQ BX, BX

fout:
	VMOVUPS (SI)(BX*4), Y3
	VSUBPS  Y1, Y3, Y3
	VMULPS  Y4, Y3, Y3
	VMULPS  (R8)(BX*4), Y3, Y3
	VADDPS  (R9)(BX*4), Y3, Y3
	VMOVUPS Y3, (DI)(BX*4)
	ADDQ    $8, BX
	CMPQ    BX, DX
	JLT     fout

	LEAQ (SI)(DX*4), SI
	LEAQ (DI)(DX*4), DI
	ADDQ $4, R10
	ADDQ $4, R11
	DECQ CX
	JMP  frow

fdone:
	VZEROUPPER
	RET

// func layernormBackward32AVX2(dIn, dw, db, dOut, in, mean, rstd, w *float32, rows, n int, inv float32)
// n is a positive multiple of 8.
TEXT ·layernormBackward32AVX2(SB), NOSPLIT, $0-84
	MOVQ   dIn+0(FP), DI
	MOVQ   dw+8(FP), R12
	MOVQ   db+16(FP), R13
	MOVQ   dOut+24(FP), R14
	MOVQ   in+32(FP), SI
	MOVQ   mean+40(FP), R10
	MOVQ   rstd+48(FP), R11
	MOVQ   w+56(FP), R8
	MOVQ   rows+64(FP), CX
	MOVQ   n+72(FP), DX
	VMOVSS inv+80(FP), X15

brow:
	TESTQ CX, CX
	JLE   bdone
	VBROADCASTSS (R10), Y1 // m
	VBROADCASTSS (R11), Y4 // s

	// gm = sum(d*w) * inv; gxm = sum(d*w*(x - m)) * s * inv
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	XORQ   BX, BX

bsum:
	VMOVUPS (R14)(BX*4), Y3
	VMULPS  (R8)(BX*4), Y3, Y7
	VADDPS  Y7, Y5, Y5
	VMOVUPS (SI)(BX*4), Y8
	VSUBPS  Y1, Y8, Y8
	VMULPS  Y8, Y7, Y8
	VADDPS  Y8, Y6, Y6
	ADDQ    $8, BX
	CMPQ    BX, DX
	JLT     bsum
	SUM8(Y5, X5, X2)
	VMULSS       X15, X5, X5
	VBROADCASTSS X5, Y9
	SUM8(Y6, X6, X2)
	VMULSS       X4, X6, X6
	VMULSS       X15, X6, X6
	VBROADCASTSS X6, Y10
	XORQ         BX, BX

belem:
	VMOVUPS (R14)(BX*4), Y3    // d
	VMOVUPS (SI)(BX*4), Y8
	VSUBPS  Y1, Y8, Y8
	VMULPS  Y4, Y8, Y8         // xh = (x - m)*s
	VADDPS  (R13)(BX*4), Y3, Y11
	VMOVUPS Y11, (R13)(BX*4)   // db += d
	VMULPS  Y8, Y3, Y12
	VADDPS  (R12)(BX*4), Y12, Y12
	VMOVUPS Y12, (R12)(BX*4)   // dw += d*xh
	VMULPS  (R8)(BX*4), Y3, Y13
	VSUBPS  Y9, Y13, Y13       // d*w - gm
	VMULPS  Y10, Y8, Y14
	VSUBPS  Y14, Y13, Y13      // - xh*gxm
	VMULPS  Y4, Y13, Y13
	VADDPS  (DI)(BX*4), Y13, Y13
	VMOVUPS Y13, (DI)(BX*4)    // dIn += (...)*s
	ADDQ    $8, BX
	CMPQ    BX, DX
	JLT     belem

	LEAQ (SI)(DX*4), SI
	LEAQ (DI)(DX*4), DI
	LEAQ (R14)(DX*4), R14
	ADDQ $4, R10
	ADDQ $4, R11
	DECQ CX
	JMP  brow

bdone:
	VZEROUPPER
	RET
