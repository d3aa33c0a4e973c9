# The guest check the host probe runs under KVM: a firmware image that starts
# at the reset vector, enters protected mode, then long mode, and ends through
# isa-debug-exit. It reports each stage on isa-debugcon, so a KVM that cannot
# run guests is caught where it stops: 'R' (real mode), 'P' (protected mode),
# 'L' (long mode). The 64 KiB image is mapped just below 4 GiB.

    .equ DEBUGCON, 0x402
    .equ DEBUG_EXIT, 0xf4
    # qemu exits with (0x2b << 1) | 1 = 87. Odd, so a pvpanic device put on that
    # port instead sees a panic: the guest watch tests use that.
    .equ EXIT_VALUE, 0x2b
    .equ PML4, 0x1000                # page tables, in guest RAM
    .equ PDPT, 0x2000
    .equ PD, 0x3000
    .equ IMAGE_BASE, 0xffff0000

    .section .text
    .code16
start16:
    cli
    movw $DEBUGCON, %dx
    movb $'R', %al
    outb %al, %dx
    lgdtl %cs:(gdt_descriptor - IMAGE_BASE)
    movl %cr0, %eax
    orl $1, %eax                     # PE
    movl %eax, %cr0
    ljmpl $0x08, $start32

    .code32
start32:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movb $'P', %al
    outb %al, %dx
    # Identity-map the top 2 MiB below 4 GiB, where this code runs.
    movl $PML4, %edi
    xorl %eax, %eax
    movl $(3 * 4096 / 4), %ecx
    rep stosl
    movl $(PDPT | 3), PML4
    movl $(PD | 3), PDPT + 3 * 8
    movl $(0xffe00000 | 0x83), PD + 511 * 8
    movl %cr4, %eax
    orl $(1 << 5), %eax              # PAE
    movl %eax, %cr4
    movl $PML4, %eax
    movl %eax, %cr3
    movl $0xc0000080, %ecx           # EFER
    rdmsr
    orl $(1 << 8), %eax              # LME
    wrmsr
    movl %cr0, %eax
    orl $(1 << 31), %eax             # PG
    movl %eax, %cr0
    ljmpl $0x18, $start64

    .code64
start64:
    movw $DEBUGCON, %dx              # rdmsr overwrote it
    movb $'L', %al
    outb %al, %dx
    movb $EXIT_VALUE, %al
    outb %al, $DEBUG_EXIT
halt:
    hlt
    jmp halt

    .balign 8
gdt:
    .quad 0
    .quad 0x00cf9a000000ffff         # 0x08: 32-bit code, flat
    .quad 0x00cf92000000ffff         # 0x10: data, flat
    .quad 0x00af9a000000ffff         # 0x18: 64-bit code
gdt_descriptor:
    .word gdt_descriptor - gdt - 1
    .long gdt

    .section .reset, "ax"
    .code16
    jmp start16
