// Adam's element loop for float32 on 8 lanes (AVX2): the same operations in
// the same order as Adam.Step's Go loop, each correctly rounded, so the
// results are bitwise those of the Go loop.

#include "textflag.h"

// func adam32AVX2(p, gr, m, v *float32, n int, c *[8]float32)
// c holds l2, decay, c1, b2, c2, eps, stepSize, bc2Sqrt; n is a multiple of 8.
TEXT ·adam32AVX2(SB), NOSPLIT, $0-48
	MOVQ p+0(FP), DI
	MOVQ gr+8(FP), SI
	MOVQ m+16(FP), R8
	MOVQ v+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ c+40(FP), AX
	VBROADCASTSS 0(AX), Y8   // l2
	VBROADCASTSS 4(AX), Y9   // decay
	VBROADCASTSS 8(AX), Y10  // c1
	VBROADCASTSS 12(AX), Y11 // b2
	VBROADCASTSS 16(AX), Y12 // c2
	VBROADCASTSS 20(AX), Y13 // eps
	VBROADCASTSS 24(AX), Y14 // stepSize
	VBROADCASTSS 28(AX), Y15 // bc2Sqrt
	XORQ BX, BX

loop:
	CMPQ BX, CX
	JGE  done
	VMOVUPS (DI)(BX*4), Y0     // p
	VMULPS  Y8, Y0, Y1         // l2*p
	VADDPS  (SI)(BX*4), Y1, Y1 // g = grad + l2*p
	VMOVUPS (R8)(BX*4), Y2     // m
	VSUBPS  Y2, Y1, Y3         // g - m
	VMULPS  Y10, Y3, Y3        // c1*(g - m)
	VADDPS  Y3, Y2, Y2         // m += c1*(g - m)
	VMOVUPS Y2, (R8)(BX*4)
	VMULPS  (R9)(BX*4), Y11, Y4 // b2*v
	VMULPS  Y12, Y1, Y5        // c2*g
	VMULPS  Y1, Y5, Y5         // c2*g*g
	VADDPS  Y5, Y4, Y4         // v = b2*v + c2*g*g
	VMOVUPS Y4, (R9)(BX*4)
	VSQRTPS Y4, Y4
	VDIVPS  Y15, Y4, Y4        // sqrt(v)/bc2Sqrt
	VADDPS  Y13, Y4, Y4        // denom = ... + eps
	VMULPS  Y14, Y2, Y5        // stepSize*m
	VDIVPS  Y4, Y5, Y5         // stepSize*m/denom
	VMULPS  Y9, Y0, Y0         // p*decay
	VSUBPS  Y5, Y0, Y0
	VMOVUPS Y0, (DI)(BX*4)
	ADDQ    $8, BX
	JMP     loop

done:
	VZEROUPPER
	RET
