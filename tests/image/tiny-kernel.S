/*
 * tiny-kernel.S — the smallest guest `make check-image` starts inside the
 * installed system (TCG inside TCG: a Linux boot would take minutes): a
 * multiboot kernel that QEMU's -kernel loads, writes one line on the first
 * serial port and halts.  Built by check-image.sh with as --32 and ld.
 */
	.set MAGIC, 0x1BADB002
	.set FLAGS, 0
	.section .text
	.align 4
	.long MAGIC
	.long FLAGS
	.long -(MAGIC + FLAGS)
	.globl _start
_start:
	mov $msg, %esi
1:	lodsb
	test %al, %al
	jz 3f
	mov %al, %ah
	mov $0x3fd, %dx             /* wait until the transmitter is empty */
2:	in %dx, %al
	test $0x20, %al
	jz 2b
	mov $0x3f8, %dx
	mov %ah, %al
	out %al, %dx
	jmp 1b
3:	cli
	hlt
	jmp 3b
msg:	.asciz "croft-tiny-guest: hello from inside the installed croft\r\n"
