/*
 * ucopy_x86_64.S: the copies that may touch bad user memory.
 *
 * Only the instructions between a *_fault_begin and *_fault_end label
 * touch the caller's pointers.  When one of them faults, the SIGSEGV/
 * SIGBUS handler in ucopy.c moves the saved %rip to the matching
 * *_fixup label, which returns EFAULT: an exception table of two
 * entries, so a copy costs nothing extra when nothing goes wrong.
 * These are leaf functions without a frame, so the fixups can simply
 * return.
 */
#include <asm/errno.h>

	.text

/* int rumpuser__ucopy_asm(void *dst, const void *src, size_t len) */
	.globl	rumpuser__ucopy_asm
	.hidden	rumpuser__ucopy_asm
	.type	rumpuser__ucopy_asm, @function
	.p2align 4
rumpuser__ucopy_asm:
	.cfi_startproc
	movq	%rdx, %rcx
	.globl	rumpuser__ucopy_fault_begin
	.hidden	rumpuser__ucopy_fault_begin
rumpuser__ucopy_fault_begin:
	/* 16 bytes (a timespec, a timeval) and 8 (a sigset, an id) are
	 * the common small copies: plain moves skip rep movsb's start-up
	 * cost.  Otherwise the CPU has fast strings (ERMS/FSRM): this is
	 * memcpy speed. */
	cmpq	$16, %rcx
	je	16f
	cmpq	$8, %rcx
	je	8f
	rep movsb
	jmp	1f
16:	movq	(%rsi), %rax
	movq	8(%rsi), %rdx
	movq	%rax, (%rdi)
	movq	%rdx, 8(%rdi)
	jmp	1f
8:	movq	(%rsi), %rax
	movq	%rax, (%rdi)
	.globl	rumpuser__ucopy_fault_end
	.hidden	rumpuser__ucopy_fault_end
rumpuser__ucopy_fault_end:
1:	xorl	%eax, %eax
	ret
	.globl	rumpuser__ucopy_fixup
	.hidden	rumpuser__ucopy_fixup
rumpuser__ucopy_fixup:
	movl	$EFAULT, %eax
	ret
	.cfi_endproc
	.size	rumpuser__ucopy_asm, . - rumpuser__ucopy_asm

/*
 * int rumpuser__ucopystr_asm(void *dst, const void *src, size_t maxlen,
 *     size_t *donep)
 * Copies up to and including the NUL; *donep = bytes stored, also on
 * EFAULT and ENAMETOOLONG.  donep is the kernel's and must be valid.
 *
 * Eight bytes at a time while eight fit under maxlen and neither side's
 * eight cross a page: such a load or store faults whole or not at all,
 * so *donep on EFAULT is what the byte loop would have stored.  A word
 * with a NUL in it ((x - 0x01..) & ~x & 0x80.. is not 0) is not stored:
 * the bytes finish it, and nothing past the NUL is written.
 */
	.globl	rumpuser__ucopystr_asm
	.hidden	rumpuser__ucopystr_asm
	.type	rumpuser__ucopystr_asm, @function
	.p2align 4
rumpuser__ucopystr_asm:
	.cfi_startproc
	movq	%rcx, %r8		/* donep */
	xorl	%ecx, %ecx		/* bytes stored */
	movabsq	$0x0101010101010101, %r9
	movabsq	$0x8080808080808080, %r10
	.globl	rumpuser__ucopystr_fault_begin
	.hidden	rumpuser__ucopystr_fault_begin
rumpuser__ucopystr_fault_begin:
1:	leaq	8(%rcx), %rax		/* a word: does it fit? */
	cmpq	%rdx, %rax
	ja	2f
	leal	(%rsi,%rcx), %eax	/* within one page, both sides? */
	andl	$4095, %eax
	cmpl	$4088, %eax
	ja	2f
	leal	(%rdi,%rcx), %eax
	andl	$4095, %eax
	cmpl	$4088, %eax
	ja	2f
	movq	(%rsi,%rcx), %rax
	movq	%rax, %r11
	subq	%r9, %r11
	andq	%r10, %r11
	notq	%rax			/* not leaves the flags alone */
	testq	%r11, %rax
	notq	%rax
	jnz	5f			/* a NUL in it */
	movq	%rax, (%rdi,%rcx)
	addq	$8, %rcx
	jmp	1b
2:	cmpq	%rdx, %rcx		/* one byte, then words again */
	jae	3f
	movzbl	(%rsi,%rcx), %eax
	movb	%al, (%rdi,%rcx)
	incq	%rcx
	testb	%al, %al
	jnz	1b
	jmp	6f
5:	movzbl	(%rsi,%rcx), %eax	/* the NUL is in this word */
	movb	%al, (%rdi,%rcx)
	incq	%rcx
	testb	%al, %al
	jnz	5b
	.globl	rumpuser__ucopystr_fault_end
	.hidden	rumpuser__ucopystr_fault_end
rumpuser__ucopystr_fault_end:
6:	xorl	%eax, %eax		/* the NUL is in */
	jmp	4f
3:	movl	$ENAMETOOLONG, %eax
4:	movq	%rcx, (%r8)
	ret
	.globl	rumpuser__ucopystr_fixup
	.hidden	rumpuser__ucopystr_fixup
rumpuser__ucopystr_fixup:
	movl	$EFAULT, %eax
	jmp	4b
	.cfi_endproc
	.size	rumpuser__ucopystr_asm, . - rumpuser__ucopystr_asm

	.section .note.GNU-stack,"",@progbits
