#include "textflag.h"

// func Call(fn, arg, stack unsafe.Pointer)
//
// The System V AMD64 ABI: the argument in DI; SP 16-byte aligned before
// the CALL. The goroutine's SP is kept on the C stack, above fn's frame,
// and restored from there; BX, BP and R12-R15 are callee-saved in C, so
// the frame pointer and g (R14) come back intact. X15 is not saved by C
// code, and ABIInternal code expects it zero: it is zeroed before RET.
TEXT ·Call(SB), NOSPLIT, $0-24
	MOVQ fn+0(FP), AX
	MOVQ arg+8(FP), DI
	MOVQ stack+16(FP), CX
	MOVQ SP, DX
	ANDQ $~15, CX
	MOVQ CX, SP
	SUBQ $16, SP
	MOVQ DX, 8(SP)
	CALL AX
	MOVQ 8(SP), SP
	XORPS X15, X15
	RET
