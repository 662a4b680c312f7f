// The ReLU's float32 loops on 8 lanes (AVX2), bitwise those of the Go
// loops in net.go.

#include "textflag.h"

// func relu32AVX2(o *float32, n int)
// o[j] = max(o[j], 0) with Go's rules, n a multiple of 8. VMAXPS returns
// its second source when one input is NaN or both are zeros, so with x
// there a NaN stays NaN and -0 stays -0; adding +0 then turns -0 into +0
// and changes nothing else: Go's max(x, 0).
TEXT ·relu32AVX2(SB), NOSPLIT, $0-16
	MOVQ o+0(FP), DI
	MOVQ n+8(FP), CX
	VXORPS Y15, Y15, Y15
	XORQ BX, BX

rloop:
	CMPQ BX, CX
	JGE  rdone
	VMOVUPS (DI)(BX*4), Y0
	VMOVUPS 32(DI)(BX*4), Y1
	VMAXPS  Y0, Y15, Y0 // Intel VMAXPS y0, y15(zero), y0(x)
	VMAXPS  Y1, Y15, Y1
	VADDPS  Y15, Y0, Y0
	VADDPS  Y15, Y1, Y1
	VMOVUPS Y0, (DI)(BX*4)
	VMOVUPS Y1, 32(DI)(BX*4)
	ADDQ    $16, BX
	JMP     rloop

rdone:
	VZEROUPPER
	RET

// func reluBackward32AVX2(d, o, db *float32, rows, n, n8 int)
// For each of rows rows of d and o (row length n), columns [0, n8) with n8
// a multiple of 8: d = 0 where the bits of o are all zero (+0: the unit
// was off), then db += d, row after row, as reluBackward32's Go loop.
TEXT ·reluBackward32AVX2(SB), NOSPLIT, $0-48
	MOVQ d+0(FP), DI
	MOVQ o+8(FP), SI
	MOVQ db+16(FP), DX
	MOVQ rows+24(FP), R8
	MOVQ n+32(FP), R9
	MOVQ n8+40(FP), CX
	SHLQ $2, R9 // row stride in bytes
	VPXOR Y15, Y15, Y15

row:
	TESTQ R8, R8
	JE    bdone
	XORQ  BX, BX

col:
	CMPQ     BX, CX
	JGE      nextrow
	VMOVUPS  (SI)(BX*4), Y0       // o
	VPCMPEQD Y15, Y0, Y1          // all ones where o's bits are 0
	VANDNPS  (DI)(BX*4), Y1, Y2   // d &^ off
	VMOVUPS  Y2, (DI)(BX*4)
	VADDPS   (DX)(BX*4), Y2, Y3   // db + d
	VMOVUPS  Y3, (DX)(BX*4)
	ADDQ     $8, BX
	JMP      col

nextrow:
	ADDQ R9, DI
	ADDQ R9, SI
	DECQ R8
	JMP  row

bdone:
	VZEROUPPER
	RET
