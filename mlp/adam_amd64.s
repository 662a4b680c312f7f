// Adam's element loop for float32 on 8 lanes (AVX2), with the gradient's
// scaling folded in: the same operations in the same order as Adam's Go
// loop, each correctly rounded, so the results are bitwise those of the Go
// loop. And the check that a float32 slice holds only finite values.

#include "textflag.h"

// func adam32AVX2(p, gr, m, v *float32, n int, c *[9]float32)
// c holds l2, decay, c1, b2, c2, eps, stepSize, bc2Sqrt, scale; n is a
// multiple of 8. The scaled gradient is stored back into gr.
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
	VBROADCASTSS 32(AX), Y7  // scale
	XORQ BX, BX

loop:
	CMPQ BX, CX
	JGE  done
	VMULPS  (SI)(BX*4), Y7, Y6 // grad*scale
	VMOVUPS Y6, (SI)(BX*4)     // stored back, as the Go loop does
	VMOVUPS (DI)(BX*4), Y0     // p
	VMULPS  Y8, Y0, Y1         // l2*p
	VADDPS  Y6, Y1, Y1         // g = grad*scale + l2*p
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

// func finite32AVX2(x *float32, n int) bool
// n is a multiple of 32. x-x is +0 for a finite x and NaN otherwise; the
// bits of every difference are ORed together.
TEXT ·finite32AVX2(SB), NOSPLIT, $0-17
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	XORQ BX, BX

floop:
	CMPQ BX, CX
	JGE  fdone
	VMOVUPS (SI)(BX*4), Y0
	VMOVUPS 32(SI)(BX*4), Y1
	VMOVUPS 64(SI)(BX*4), Y2
	VMOVUPS 96(SI)(BX*4), Y3
	VSUBPS  Y0, Y0, Y0
	VSUBPS  Y1, Y1, Y1
	VSUBPS  Y2, Y2, Y2
	VSUBPS  Y3, Y3, Y3
	VORPS   Y0, Y4, Y4
	VORPS   Y1, Y5, Y5
	VORPS   Y2, Y4, Y4
	VORPS   Y3, Y5, Y5
	ADDQ    $32, BX
	JMP     floop

fdone:
	VORPS   Y5, Y4, Y4
	VPTEST  Y4, Y4
	SETEQ   ret+16(FP)
	VZEROUPPER
	RET
