// The float32 softmax on AVX2: softmax32's rows, the same operations in
// the same order as the Go loops (softmax32Go, expShift32), each correctly
// rounded, so the results are bitwise those of the Go loops.

#include "textflag.h"

// Constants, each four times (one YMM of float64) unless said otherwise.
DATA sm32<>+0(SB)/8, $0x3ff71547652b82fe   // log2(e)
DATA sm32<>+8(SB)/8, $0x3ff71547652b82fe
DATA sm32<>+16(SB)/8, $0x3ff71547652b82fe
DATA sm32<>+24(SB)/8, $0x3ff71547652b82fe
DATA sm32<>+32(SB)/8, $0x4338000000000000  // 1.5*2**52, the rounding constant
DATA sm32<>+40(SB)/8, $0x4338000000000000
DATA sm32<>+48(SB)/8, $0x4338000000000000
DATA sm32<>+56(SB)/8, $0x4338000000000000
DATA sm32<>+64(SB)/8, $0x3fe62e42fefa39ef  // ln(2)
DATA sm32<>+72(SB)/8, $0x3fe62e42fefa39ef
DATA sm32<>+80(SB)/8, $0x3fe62e42fefa39ef
DATA sm32<>+88(SB)/8, $0x3fe62e42fefa39ef
DATA sm32<>+96(SB)/8, $0x3ff0000000000000  // 1
DATA sm32<>+104(SB)/8, $0x3ff0000000000000
DATA sm32<>+112(SB)/8, $0x3ff0000000000000
DATA sm32<>+120(SB)/8, $0x3ff0000000000000
DATA sm32<>+128(SB)/8, $0x3fe0000000000000 // 1/2
DATA sm32<>+136(SB)/8, $0x3fe0000000000000
DATA sm32<>+144(SB)/8, $0x3fe0000000000000
DATA sm32<>+152(SB)/8, $0x3fe0000000000000
DATA sm32<>+160(SB)/8, $0x3fc5555555555555 // 1/6
DATA sm32<>+168(SB)/8, $0x3fc5555555555555
DATA sm32<>+176(SB)/8, $0x3fc5555555555555
DATA sm32<>+184(SB)/8, $0x3fc5555555555555
DATA sm32<>+192(SB)/8, $0x3fa5555555555555 // 1/24
DATA sm32<>+200(SB)/8, $0x3fa5555555555555
DATA sm32<>+208(SB)/8, $0x3fa5555555555555
DATA sm32<>+216(SB)/8, $0x3fa5555555555555
DATA sm32<>+224(SB)/8, $0x3f81111111111111 // 1/120
DATA sm32<>+232(SB)/8, $0x3f81111111111111
DATA sm32<>+240(SB)/8, $0x3f81111111111111
DATA sm32<>+248(SB)/8, $0x3f81111111111111
DATA sm32<>+256(SB)/8, $0x3f56c16c16c16c17 // 1/720
DATA sm32<>+264(SB)/8, $0x3f56c16c16c16c17
DATA sm32<>+272(SB)/8, $0x3f56c16c16c16c17
DATA sm32<>+280(SB)/8, $0x3f56c16c16c16c17
DATA sm32<>+288(SB)/8, $0x3f2a01a01a01a01a // 1/5040
DATA sm32<>+296(SB)/8, $0x3f2a01a01a01a01a
DATA sm32<>+304(SB)/8, $0x3f2a01a01a01a01a
DATA sm32<>+312(SB)/8, $0x3f2a01a01a01a01a
DATA sm32<>+320(SB)/8, $0xc05a000000000000 // -104
DATA sm32<>+328(SB)/8, $0xc05a000000000000
DATA sm32<>+336(SB)/8, $0xc05a000000000000
DATA sm32<>+344(SB)/8, $0xc05a000000000000
DATA sm32<>+352(SB)/8, $1023               // the exponent bias, int64
DATA sm32<>+360(SB)/8, $1023
DATA sm32<>+368(SB)/8, $1023
DATA sm32<>+376(SB)/8, $1023
DATA sm32<>+384(SB)/8, $0x4056400000000000 // 89
DATA sm32<>+392(SB)/8, $0x4056400000000000
DATA sm32<>+400(SB)/8, $0x4056400000000000
DATA sm32<>+408(SB)/8, $0x4056400000000000
DATA sm32<>+416(SB)/8, $-1                 // lane masks: 8 int32 of all ones, then 8 of zeros
DATA sm32<>+424(SB)/8, $-1
DATA sm32<>+432(SB)/8, $-1
DATA sm32<>+440(SB)/8, $-1
DATA sm32<>+448(SB)/8, $0
DATA sm32<>+456(SB)/8, $0
DATA sm32<>+464(SB)/8, $0
DATA sm32<>+472(SB)/8, $0
GLOBL sm32<>(SB), RODATA|NOPTR, $480

// EXP4 sets T1 to the four float64 e**V as expShift32 computes them
// before its rounding to float32 (0 where V < -104), from V (clobbered).
// KY and KX are the Y and X names of one scratch register.
#define EXP4(V, KY, KX, R, R2, T1, T2, T3, T4, M) \
	VCMPPD  $0x11, 320(AX), V, M \ // M = V < -104
	VMINPD  V, Y14, V \            // V = 89 < V ? 89 : V (NaN stays)
	VMULPD  0(AX), V, KY \
	VADDPD  32(AX), KY, KY \
	VSUBPD  32(AX), KY, KY \       // k = (v*log2e + round) - round
	VMULPD  64(AX), KY, R \
	VSUBPD  R, V, R \              // r = v - k*ln2
	VMULPD  R, R, R2 \             // r2
	VADDPD  96(AX), R, T1 \        // 1 + r
	VMULPD  160(AX), R, T2 \
	VADDPD  128(AX), T2, T2 \
	VMULPD  R2, T2, T2 \
	VADDPD  T2, T1, T1 \           // (1 + r) + r2*(1/2 + r/6)
	VMULPD  224(AX), R, T3 \
	VADDPD  192(AX), T3, T3 \      // 1/24 + r/120
	VMULPD  288(AX), R, T4 \
	VADDPD  256(AX), T4, T4 \
	VMULPD  R2, T4, T4 \           // r2*(1/720 + r/5040)
	VADDPD  T4, T3, T3 \
	VMULPD  R2, R2, R2 \           // r4
	VMULPD  R2, T3, T3 \
	VADDPD  T3, T1, T1 \           // p
	VCVTTPD2DQY KY, KX \
	VPMOVSXDQ KX, KY \
	VPADDQ  352(AX), KY, KY \
	VPSLLQ  $52, KY, KY \          // 2**k
	VMULPD  KY, T1, T1 \
	VANDNPD T1, M, T1

// EXP8 replaces the eight float32 scores in Y0 (minus the maximum in
// Y15) by their exponentials, rounded to float32, in Y1.
#define EXP8 \
	VSUBPS       Y15, Y0, Y0 \
	VCVTPS2PD    X0, Y2 \
	VEXTRACTF128 $1, Y0, X3 \
	VCVTPS2PD    X3, Y3 \
	EXP4(Y2, Y4, X4, Y5, Y6, Y7, Y8, Y9, Y10, Y11) \
	VCVTPD2PSY   Y7, X1 \
	EXP4(Y3, Y4, X4, Y5, Y6, Y7, Y8, Y9, Y10, Y11) \
	VCVTPD2PSY   Y7, X7 \
	VINSERTF128  $1, X7, Y1, Y1

// func softmax32AVX2(s *float32, rows, n int)
// s holds rows rows of n >= 8 values, each replaced by its softmax.
TEXT ·softmax32AVX2(SB), NOSPLIT, $0-24
	MOVQ s+0(FP), DI
	MOVQ rows+8(FP), R8
	MOVQ n+16(FP), CX
	LEAQ sm32<>(SB), AX
	VMOVUPD 384(AX), Y14  // 89
	MOVQ CX, DX
	ANDQ $7, DX           // t = n % 8, the values after the last full block
	MOVQ $8, BX
	SUBQ DX, BX
	LEAQ 416(AX)(BX*4), R9
	VMOVDQU (R9), Y12     // mask of the first t lanes
	MOVQ CX, R10
	ANDQ $-8, R10         // n - t
	LEAQ -8(CX), R11      // n - 8

row:
	TESTQ R8, R8
	JLE   done

	// The row's maximum: blocks of 8, then the last 8 values (a second
	// look at some is harmless).
	VMOVUPS (DI), Y0
	MOVQ    $8, BX

maxloop:
	CMPQ   BX, R10
	JGE    maxtail
	VMAXPS (DI)(BX*4), Y0, Y0
	ADDQ   $8, BX
	JMP    maxloop

maxtail:
	VMAXPS       (DI)(R11*4), Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VMAXPS       X1, X0, X0
	VMOVHLPS     X0, X0, X1
	VMAXPS       X1, X0, X0
	VMOVSHDUP    X0, X1
	VMAXSS       X1, X0, X0
	VBROADCASTSS X0, Y15

	// Exponentials, summed in eight lanes (lane j: the values at j mod 8).
	VXORPS Y13, Y13, Y13
	XORQ   BX, BX

exploop:
	CMPQ    BX, R10
	JGE     exptail
	VMOVUPS (DI)(BX*4), Y0
	EXP8
	VMOVUPS Y1, (DI)(BX*4)
	VADDPS  Y1, Y13, Y13
	ADDQ    $8, BX
	JMP     exploop

exptail:
	TESTQ      DX, DX
	JZ         sum
	VMASKMOVPS (DI)(BX*4), Y12, Y0
	EXP8
	VANDPS     Y12, Y1, Y1
	VMASKMOVPS Y1, Y12, (DI)(BX*4)
	VADDPS     Y1, Y13, Y13

sum:
	// ((l0+l4) + (l2+l6)) + ((l1+l5) + (l3+l7)), then 1/sum.
	VEXTRACTF128 $1, Y13, X0
	VADDPS       X0, X13, X0
	VMOVHLPS     X0, X0, X1
	VADDPS       X1, X0, X0
	VMOVSHDUP    X0, X1
	VADDSS       X1, X0, X0
	MOVL         $0x3f800000, R9
	VMOVD        R9, X1
	VDIVSS       X0, X1, X1
	VBROADCASTSS X1, Y1
	XORQ         BX, BX

normloop:
	CMPQ    BX, R10
	JGE     normtail
	VMULPS  (DI)(BX*4), Y1, Y0
	VMOVUPS Y0, (DI)(BX*4)
	ADDQ    $8, BX
	JMP     normloop

normtail:
	TESTQ      DX, DX
	JZ         next
	VMASKMOVPS (DI)(BX*4), Y12, Y0
	VMULPS     Y0, Y1, Y0
	VMASKMOVPS Y0, Y12, (DI)(BX*4)

next:
	LEAQ (DI)(CX*4), DI
	DECQ R8
	JMP  row

done:
	VZEROUPPER
	RET

// func softmaxBackward32AVX2(dp, p *float32, rows, n int)
// dp and p hold rows rows of n >= 8 values; every row of dp becomes
// p*(dp - sum(p*dp)), the sum in eight lanes as softmaxBackward's Go loop.
TEXT ·softmaxBackward32AVX2(SB), NOSPLIT, $0-32
	MOVQ    dp+0(FP), DI
	MOVQ    p+8(FP), SI
	MOVQ    rows+16(FP), R8
	MOVQ    n+24(FP), CX
	LEAQ    sm32<>(SB), AX
	MOVQ    CX, DX
	ANDQ    $7, DX        // t = n % 8
	MOVQ    $8, BX
	SUBQ    DX, BX
	LEAQ    416(AX)(BX*4), R9
	VMOVDQU (R9), Y12     // mask of the first t lanes
	MOVQ    CX, R10
	ANDQ    $-8, R10      // n - t

brow:
	TESTQ  R8, R8
	JLE    bdone
	VXORPS Y0, Y0, Y0
	XORQ   BX, BX

bdot:
	CMPQ    BX, R10
	JGE     bdottail
	VMOVUPS (DI)(BX*4), Y1
	VMULPS  (SI)(BX*4), Y1, Y1
	VADDPS  Y1, Y0, Y0
	ADDQ    $8, BX
	JMP     bdot

bdottail:
	TESTQ      DX, DX
	JZ         bsum
	VMASKMOVPS (DI)(BX*4), Y12, Y1
	VMASKMOVPS (SI)(BX*4), Y12, Y2
	VMULPS     Y2, Y1, Y1
	VADDPS     Y1, Y0, Y0

bsum:
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VMOVHLPS     X0, X0, X1
	VADDPS       X1, X0, X0
	VMOVSHDUP    X0, X1
	VADDSS       X1, X0, X0
	VBROADCASTSS X0, Y3
	XORQ         BX, BX

bupd:
	CMPQ    BX, R10
	JGE     bupdtail
	VMOVUPS (DI)(BX*4), Y1
	VSUBPS  Y3, Y1, Y1
	VMULPS  (SI)(BX*4), Y1, Y1
	VMOVUPS Y1, (DI)(BX*4)
	ADDQ    $8, BX
	JMP     bupd

bupdtail:
	TESTQ      DX, DX
	JZ         bnext
	VMASKMOVPS (DI)(BX*4), Y12, Y1
	VMASKMOVPS (SI)(BX*4), Y12, Y2
	VSUBPS     Y3, Y1, Y1
	VMULPS     Y2, Y1, Y1
	VMASKMOVPS Y1, Y12, (DI)(BX*4)

bnext:
	LEAQ (DI)(CX*4), DI
	LEAQ (SI)(CX*4), SI
	DECQ R8
	JMP  brow

bdone:
	VZEROUPPER
	RET
