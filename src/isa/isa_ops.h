/* SPDX-License-Identifier: MIT */
/*
 * The one instruction table. Every instruction form ubee knows is one row;
 * the decoder, the validator, the disassembler, the assembler and the
 * interpreter's dispatch are all generated from it (X-macro), so adding a
 * row is the whole of adding an instruction to the front end.
 *
 * X(NAME, CODE, SEL, SELVAL, FMT, TEXT, FLAGS)
 *   NAME    internal op: UBEE_OP_<NAME> (what the interpreter dispatches on)
 *   CODE    the opcode byte
 *   SEL     which field tells rows with the same opcode apart, SELVAL its
 *           value: SEL_OFF (sdiv/smod off=1, movsx off=8/16/32; plain ALU
 *           rows require off=0), SEL_IMM (byte swaps: width; atomics:
 *           operation), SEL_SRC (call kinds, lddw pseudo sources)
 *   FMT     the operand shape: which fields are used (all others must be
 *           zero) and how the instruction is printed and parsed
 *   TEXT    the operator or mnemonic as llvm-objdump prints it
 *   FLAGS   F_* below
 *
 * Semantics, briefly (RFC 9669; dst/src are registers, K the immediate):
 *   ALU*_K/_X   dst = dst OP (K | src); 32-bit forms work on the low halves
 *               and zero-extend. DIV/MOD by 0: 0 / dst unchanged; SDIV
 *               INT_MIN/-1 = INT_MIN, SMOD INT_MIN%-1 = 0. Shifts mask the
 *               amount to the width - 1. MOVSX sign-extends the low bits.
 *   LE/BE/BSWAP dst = byte order conversion of the low 16/32/64 bits,
 *               zero-extended (LE on a little-endian host only truncates).
 *   J*          if (dst OP (K | src)) pc += off; JA32 jumps by imm.
 *   MAY_GOTO    falls through while a per-run loop counter lasts, then jumps.
 *   CALL        helper imm; CALL_LOCAL pc-relative subprogram; CALL_KFUNC.
 *   LDX/LDXS    dst = *(size *)(src + off), zero- / sign-extended.
 *   ST/STX      *(size *)(dst + off) = K | src.
 *   ATOMIC_*    atomic read-modify-write of *(size *)(dst + off) with src;
 *               FETCH puts the old value in src, XCHG likewise, CMPXCHG
 *               compares with r0 and puts the old value in r0.
 *   LD_ABS/IND  r0 = big-endian load from the packet at K (+ src).
 *   LDDW*       dst = 64-bit constant over two slots; pseudo sources are
 *               resolved at load time into a plain LDDW.
 */
#ifndef UBEE_ISA_OPS_H
#define UBEE_ISA_OPS_H

#define UBEE_OPS(X) \
	X(ADD64_K,             0x07, SEL_OFF,     0, FMT_ALU_K,        "+=",            F_WDST) \
	X(ADD64_X,             0x0f, SEL_OFF,     0, FMT_ALU_X,        "+=",            F_WDST) \
	X(SUB64_K,             0x17, SEL_OFF,     0, FMT_ALU_K,        "-=",            F_WDST) \
	X(SUB64_X,             0x1f, SEL_OFF,     0, FMT_ALU_X,        "-=",            F_WDST) \
	X(MUL64_K,             0x27, SEL_OFF,     0, FMT_ALU_K,        "*=",            F_WDST) \
	X(MUL64_X,             0x2f, SEL_OFF,     0, FMT_ALU_X,        "*=",            F_WDST) \
	X(DIV64_K,             0x37, SEL_OFF,     0, FMT_ALU_K,        "/=",            F_WDST) \
	X(DIV64_X,             0x3f, SEL_OFF,     0, FMT_ALU_X,        "/=",            F_WDST) \
	X(SDIV64_K,            0x37, SEL_OFF,     1, FMT_ALU_K,        "s/=",           F_WDST) \
	X(SDIV64_X,            0x3f, SEL_OFF,     1, FMT_ALU_X,        "s/=",           F_WDST) \
	X(OR64_K,              0x47, SEL_OFF,     0, FMT_ALU_K,        "|=",            F_WDST) \
	X(OR64_X,              0x4f, SEL_OFF,     0, FMT_ALU_X,        "|=",            F_WDST) \
	X(AND64_K,             0x57, SEL_OFF,     0, FMT_ALU_K,        "&=",            F_WDST) \
	X(AND64_X,             0x5f, SEL_OFF,     0, FMT_ALU_X,        "&=",            F_WDST) \
	X(LSH64_K,             0x67, SEL_OFF,     0, FMT_ALU_K,        "<<=",           F_WDST) \
	X(LSH64_X,             0x6f, SEL_OFF,     0, FMT_ALU_X,        "<<=",           F_WDST) \
	X(RSH64_K,             0x77, SEL_OFF,     0, FMT_ALU_K,        ">>=",           F_WDST) \
	X(RSH64_X,             0x7f, SEL_OFF,     0, FMT_ALU_X,        ">>=",           F_WDST) \
	X(MOD64_K,             0x97, SEL_OFF,     0, FMT_ALU_K,        "%=",            F_WDST) \
	X(MOD64_X,             0x9f, SEL_OFF,     0, FMT_ALU_X,        "%=",            F_WDST) \
	X(SMOD64_K,            0x97, SEL_OFF,     1, FMT_ALU_K,        "s%=",           F_WDST) \
	X(SMOD64_X,            0x9f, SEL_OFF,     1, FMT_ALU_X,        "s%=",           F_WDST) \
	X(XOR64_K,             0xa7, SEL_OFF,     0, FMT_ALU_K,        "^=",            F_WDST) \
	X(XOR64_X,             0xaf, SEL_OFF,     0, FMT_ALU_X,        "^=",            F_WDST) \
	X(MOV64_K,             0xb7, SEL_OFF,     0, FMT_ALU_K,        "=",             F_WDST) \
	X(MOV64_X,             0xbf, SEL_OFF,     0, FMT_ALU_X,        "=",             F_WDST) \
	X(ARSH64_K,            0xc7, SEL_OFF,     0, FMT_ALU_K,        "s>>=",          F_WDST) \
	X(ARSH64_X,            0xcf, SEL_OFF,     0, FMT_ALU_X,        "s>>=",          F_WDST) \
	X(NEG64,               0x87, SEL_NONE,    0, FMT_NEG,          "-",             F_WDST) \
	X(MOVSX64_8,           0xbf, SEL_OFF,     8, FMT_MOVSX,        "(s8)",          F_WDST) \
	X(MOVSX64_16,          0xbf, SEL_OFF,    16, FMT_MOVSX,        "(s16)",         F_WDST) \
	X(MOVSX64_32,          0xbf, SEL_OFF,    32, FMT_MOVSX,        "(s32)",         F_WDST) \
	X(ADD32_K,             0x04, SEL_OFF,     0, FMT_ALU_K,        "+=",            F_WDST|F_32) \
	X(ADD32_X,             0x0c, SEL_OFF,     0, FMT_ALU_X,        "+=",            F_WDST|F_32) \
	X(SUB32_K,             0x14, SEL_OFF,     0, FMT_ALU_K,        "-=",            F_WDST|F_32) \
	X(SUB32_X,             0x1c, SEL_OFF,     0, FMT_ALU_X,        "-=",            F_WDST|F_32) \
	X(MUL32_K,             0x24, SEL_OFF,     0, FMT_ALU_K,        "*=",            F_WDST|F_32) \
	X(MUL32_X,             0x2c, SEL_OFF,     0, FMT_ALU_X,        "*=",            F_WDST|F_32) \
	X(DIV32_K,             0x34, SEL_OFF,     0, FMT_ALU_K,        "/=",            F_WDST|F_32) \
	X(DIV32_X,             0x3c, SEL_OFF,     0, FMT_ALU_X,        "/=",            F_WDST|F_32) \
	X(SDIV32_K,            0x34, SEL_OFF,     1, FMT_ALU_K,        "s/=",           F_WDST|F_32) \
	X(SDIV32_X,            0x3c, SEL_OFF,     1, FMT_ALU_X,        "s/=",           F_WDST|F_32) \
	X(OR32_K,              0x44, SEL_OFF,     0, FMT_ALU_K,        "|=",            F_WDST|F_32) \
	X(OR32_X,              0x4c, SEL_OFF,     0, FMT_ALU_X,        "|=",            F_WDST|F_32) \
	X(AND32_K,             0x54, SEL_OFF,     0, FMT_ALU_K,        "&=",            F_WDST|F_32) \
	X(AND32_X,             0x5c, SEL_OFF,     0, FMT_ALU_X,        "&=",            F_WDST|F_32) \
	X(LSH32_K,             0x64, SEL_OFF,     0, FMT_ALU_K,        "<<=",           F_WDST|F_32) \
	X(LSH32_X,             0x6c, SEL_OFF,     0, FMT_ALU_X,        "<<=",           F_WDST|F_32) \
	X(RSH32_K,             0x74, SEL_OFF,     0, FMT_ALU_K,        ">>=",           F_WDST|F_32) \
	X(RSH32_X,             0x7c, SEL_OFF,     0, FMT_ALU_X,        ">>=",           F_WDST|F_32) \
	X(MOD32_K,             0x94, SEL_OFF,     0, FMT_ALU_K,        "%=",            F_WDST|F_32) \
	X(MOD32_X,             0x9c, SEL_OFF,     0, FMT_ALU_X,        "%=",            F_WDST|F_32) \
	X(SMOD32_K,            0x94, SEL_OFF,     1, FMT_ALU_K,        "s%=",           F_WDST|F_32) \
	X(SMOD32_X,            0x9c, SEL_OFF,     1, FMT_ALU_X,        "s%=",           F_WDST|F_32) \
	X(XOR32_K,             0xa4, SEL_OFF,     0, FMT_ALU_K,        "^=",            F_WDST|F_32) \
	X(XOR32_X,             0xac, SEL_OFF,     0, FMT_ALU_X,        "^=",            F_WDST|F_32) \
	X(MOV32_K,             0xb4, SEL_OFF,     0, FMT_ALU_K,        "=",             F_WDST|F_32) \
	X(MOV32_X,             0xbc, SEL_OFF,     0, FMT_ALU_X,        "=",             F_WDST|F_32) \
	X(ARSH32_K,            0xc4, SEL_OFF,     0, FMT_ALU_K,        "s>>=",          F_WDST|F_32) \
	X(ARSH32_X,            0xcc, SEL_OFF,     0, FMT_ALU_X,        "s>>=",          F_WDST|F_32) \
	X(NEG32,               0x84, SEL_NONE,    0, FMT_NEG,          "-",             F_WDST|F_32) \
	X(MOVSX32_8,           0xbc, SEL_OFF,     8, FMT_MOVSX,        "(s8)",          F_WDST|F_32) \
	X(MOVSX32_16,          0xbc, SEL_OFF,    16, FMT_MOVSX,        "(s16)",         F_WDST|F_32) \
	X(LE16,                0xd4, SEL_IMM,  0x10, FMT_END,          "le16",          F_WDST) \
	X(BE16,                0xdc, SEL_IMM,  0x10, FMT_END,          "be16",          F_WDST) \
	X(BSWAP16,             0xd7, SEL_IMM,  0x10, FMT_END,          "bswap16",       F_WDST) \
	X(LE32,                0xd4, SEL_IMM,  0x20, FMT_END,          "le32",          F_WDST) \
	X(BE32,                0xdc, SEL_IMM,  0x20, FMT_END,          "be32",          F_WDST) \
	X(BSWAP32,             0xd7, SEL_IMM,  0x20, FMT_END,          "bswap32",       F_WDST) \
	X(LE64,                0xd4, SEL_IMM,  0x40, FMT_END,          "le64",          F_WDST) \
	X(BE64,                0xdc, SEL_IMM,  0x40, FMT_END,          "be64",          F_WDST) \
	X(BSWAP64,             0xd7, SEL_IMM,  0x40, FMT_END,          "bswap64",       F_WDST) \
	X(JA,                  0x05, SEL_NONE,    0, FMT_JA,           "goto",          F_BRANCH|F_TERM) \
	X(JA32,                0x06, SEL_NONE,    0, FMT_JA32,         "gotol",         F_BRANCH32|F_TERM) \
	X(JEQ64_K,             0x15, SEL_NONE,    0, FMT_JMP_K,        "==",            F_BRANCH) \
	X(JEQ64_X,             0x1d, SEL_NONE,    0, FMT_JMP_X,        "==",            F_BRANCH) \
	X(JGT64_K,             0x25, SEL_NONE,    0, FMT_JMP_K,        ">",             F_BRANCH) \
	X(JGT64_X,             0x2d, SEL_NONE,    0, FMT_JMP_X,        ">",             F_BRANCH) \
	X(JGE64_K,             0x35, SEL_NONE,    0, FMT_JMP_K,        ">=",            F_BRANCH) \
	X(JGE64_X,             0x3d, SEL_NONE,    0, FMT_JMP_X,        ">=",            F_BRANCH) \
	X(JSET64_K,            0x45, SEL_NONE,    0, FMT_JMP_K,        "&",             F_BRANCH) \
	X(JSET64_X,            0x4d, SEL_NONE,    0, FMT_JMP_X,        "&",             F_BRANCH) \
	X(JNE64_K,             0x55, SEL_NONE,    0, FMT_JMP_K,        "!=",            F_BRANCH) \
	X(JNE64_X,             0x5d, SEL_NONE,    0, FMT_JMP_X,        "!=",            F_BRANCH) \
	X(JSGT64_K,            0x65, SEL_NONE,    0, FMT_JMP_K,        "s>",            F_BRANCH) \
	X(JSGT64_X,            0x6d, SEL_NONE,    0, FMT_JMP_X,        "s>",            F_BRANCH) \
	X(JSGE64_K,            0x75, SEL_NONE,    0, FMT_JMP_K,        "s>=",           F_BRANCH) \
	X(JSGE64_X,            0x7d, SEL_NONE,    0, FMT_JMP_X,        "s>=",           F_BRANCH) \
	X(JLT64_K,             0xa5, SEL_NONE,    0, FMT_JMP_K,        "<",             F_BRANCH) \
	X(JLT64_X,             0xad, SEL_NONE,    0, FMT_JMP_X,        "<",             F_BRANCH) \
	X(JLE64_K,             0xb5, SEL_NONE,    0, FMT_JMP_K,        "<=",            F_BRANCH) \
	X(JLE64_X,             0xbd, SEL_NONE,    0, FMT_JMP_X,        "<=",            F_BRANCH) \
	X(JSLT64_K,            0xc5, SEL_NONE,    0, FMT_JMP_K,        "s<",            F_BRANCH) \
	X(JSLT64_X,            0xcd, SEL_NONE,    0, FMT_JMP_X,        "s<",            F_BRANCH) \
	X(JSLE64_K,            0xd5, SEL_NONE,    0, FMT_JMP_K,        "s<=",           F_BRANCH) \
	X(JSLE64_X,            0xdd, SEL_NONE,    0, FMT_JMP_X,        "s<=",           F_BRANCH) \
	X(JEQ32_K,             0x16, SEL_NONE,    0, FMT_JMP_K,        "==",            F_BRANCH|F_32) \
	X(JEQ32_X,             0x1e, SEL_NONE,    0, FMT_JMP_X,        "==",            F_BRANCH|F_32) \
	X(JGT32_K,             0x26, SEL_NONE,    0, FMT_JMP_K,        ">",             F_BRANCH|F_32) \
	X(JGT32_X,             0x2e, SEL_NONE,    0, FMT_JMP_X,        ">",             F_BRANCH|F_32) \
	X(JGE32_K,             0x36, SEL_NONE,    0, FMT_JMP_K,        ">=",            F_BRANCH|F_32) \
	X(JGE32_X,             0x3e, SEL_NONE,    0, FMT_JMP_X,        ">=",            F_BRANCH|F_32) \
	X(JSET32_K,            0x46, SEL_NONE,    0, FMT_JMP_K,        "&",             F_BRANCH|F_32) \
	X(JSET32_X,            0x4e, SEL_NONE,    0, FMT_JMP_X,        "&",             F_BRANCH|F_32) \
	X(JNE32_K,             0x56, SEL_NONE,    0, FMT_JMP_K,        "!=",            F_BRANCH|F_32) \
	X(JNE32_X,             0x5e, SEL_NONE,    0, FMT_JMP_X,        "!=",            F_BRANCH|F_32) \
	X(JSGT32_K,            0x66, SEL_NONE,    0, FMT_JMP_K,        "s>",            F_BRANCH|F_32) \
	X(JSGT32_X,            0x6e, SEL_NONE,    0, FMT_JMP_X,        "s>",            F_BRANCH|F_32) \
	X(JSGE32_K,            0x76, SEL_NONE,    0, FMT_JMP_K,        "s>=",           F_BRANCH|F_32) \
	X(JSGE32_X,            0x7e, SEL_NONE,    0, FMT_JMP_X,        "s>=",           F_BRANCH|F_32) \
	X(JLT32_K,             0xa6, SEL_NONE,    0, FMT_JMP_K,        "<",             F_BRANCH|F_32) \
	X(JLT32_X,             0xae, SEL_NONE,    0, FMT_JMP_X,        "<",             F_BRANCH|F_32) \
	X(JLE32_K,             0xb6, SEL_NONE,    0, FMT_JMP_K,        "<=",            F_BRANCH|F_32) \
	X(JLE32_X,             0xbe, SEL_NONE,    0, FMT_JMP_X,        "<=",            F_BRANCH|F_32) \
	X(JSLT32_K,            0xc6, SEL_NONE,    0, FMT_JMP_K,        "s<",            F_BRANCH|F_32) \
	X(JSLT32_X,            0xce, SEL_NONE,    0, FMT_JMP_X,        "s<",            F_BRANCH|F_32) \
	X(JSLE32_K,            0xd6, SEL_NONE,    0, FMT_JMP_K,        "s<=",           F_BRANCH|F_32) \
	X(JSLE32_X,            0xde, SEL_NONE,    0, FMT_JMP_X,        "s<=",           F_BRANCH|F_32) \
	X(MAY_GOTO,            0xe5, SEL_NONE,    0, FMT_MAY_GOTO,     "may_goto",      F_BRANCH) \
	X(CALL,                0x85, SEL_SRC,     0, FMT_CALL,         "call",          F_CALL) \
	X(CALL_LOCAL,          0x85, SEL_SRC,     1, FMT_CALL_LOCAL,   "call",          F_CALL|F_CALLREL) \
	X(CALL_KFUNC,          0x85, SEL_SRC,     2, FMT_CALL_KFUNC,   "call",          F_CALL) \
	X(EXIT,                0x95, SEL_NONE,    0, FMT_EXIT,         "exit",          F_TERM) \
	X(LDX_B,               0x71, SEL_NONE,    0, FMT_LDX,          "u8",            F_WDST|F_MEM) \
	X(LDX_H,               0x69, SEL_NONE,    0, FMT_LDX,          "u16",           F_WDST|F_MEM) \
	X(LDX_W,               0x61, SEL_NONE,    0, FMT_LDX,          "u32",           F_WDST|F_MEM) \
	X(LDX_DW,              0x79, SEL_NONE,    0, FMT_LDX,          "u64",           F_WDST|F_MEM) \
	X(LDXS_B,              0x91, SEL_NONE,    0, FMT_LDX,          "s8",            F_WDST|F_MEM) \
	X(LDXS_H,              0x89, SEL_NONE,    0, FMT_LDX,          "s16",           F_WDST|F_MEM) \
	X(LDXS_W,              0x81, SEL_NONE,    0, FMT_LDX,          "s32",           F_WDST|F_MEM) \
	X(ST_B,                0x72, SEL_NONE,    0, FMT_ST,           "u8",            F_MEM) \
	X(ST_H,                0x6a, SEL_NONE,    0, FMT_ST,           "u16",           F_MEM) \
	X(ST_W,                0x62, SEL_NONE,    0, FMT_ST,           "u32",           F_MEM) \
	X(ST_DW,               0x7a, SEL_NONE,    0, FMT_ST,           "u64",           F_MEM) \
	X(STX_B,               0x73, SEL_NONE,    0, FMT_STX,          "u8",            F_MEM) \
	X(STX_H,               0x6b, SEL_NONE,    0, FMT_STX,          "u16",           F_MEM) \
	X(STX_W,               0x63, SEL_NONE,    0, FMT_STX,          "u32",           F_MEM) \
	X(STX_DW,              0x7b, SEL_NONE,    0, FMT_STX,          "u64",           F_MEM) \
	X(ATOMIC_ADD_W,        0xc3, SEL_IMM,   0x0, FMT_ATOMIC,       "+=",            F_MEM|F_32) \
	X(ATOMIC_FETCH_ADD_W,  0xc3, SEL_IMM,   0x1, FMT_ATOMIC_FETCH, "atomic_fetch_add", F_MEM|F_WSRC|F_32) \
	X(ATOMIC_OR_W,         0xc3, SEL_IMM,  0x40, FMT_ATOMIC,       "|=",            F_MEM|F_32) \
	X(ATOMIC_FETCH_OR_W,   0xc3, SEL_IMM,  0x41, FMT_ATOMIC_FETCH, "atomic_fetch_or", F_MEM|F_WSRC|F_32) \
	X(ATOMIC_AND_W,        0xc3, SEL_IMM,  0x50, FMT_ATOMIC,       "&=",            F_MEM|F_32) \
	X(ATOMIC_FETCH_AND_W,  0xc3, SEL_IMM,  0x51, FMT_ATOMIC_FETCH, "atomic_fetch_and", F_MEM|F_WSRC|F_32) \
	X(ATOMIC_XOR_W,        0xc3, SEL_IMM,  0xa0, FMT_ATOMIC,       "^=",            F_MEM|F_32) \
	X(ATOMIC_FETCH_XOR_W,  0xc3, SEL_IMM,  0xa1, FMT_ATOMIC_FETCH, "atomic_fetch_xor", F_MEM|F_WSRC|F_32) \
	X(ATOMIC_XCHG_W,       0xc3, SEL_IMM,  0xe1, FMT_XCHG,         "xchg32_32",     F_MEM|F_WSRC|F_32) \
	X(ATOMIC_CMPXCHG_W,    0xc3, SEL_IMM,  0xf1, FMT_CMPXCHG,      "cmpxchg32_32",  F_MEM|F_WR0|F_32) \
	X(ATOMIC_ADD_DW,       0xdb, SEL_IMM,   0x0, FMT_ATOMIC,       "+=",            F_MEM) \
	X(ATOMIC_FETCH_ADD_DW, 0xdb, SEL_IMM,   0x1, FMT_ATOMIC_FETCH, "atomic_fetch_add", F_MEM|F_WSRC) \
	X(ATOMIC_OR_DW,        0xdb, SEL_IMM,  0x40, FMT_ATOMIC,       "|=",            F_MEM) \
	X(ATOMIC_FETCH_OR_DW,  0xdb, SEL_IMM,  0x41, FMT_ATOMIC_FETCH, "atomic_fetch_or", F_MEM|F_WSRC) \
	X(ATOMIC_AND_DW,       0xdb, SEL_IMM,  0x50, FMT_ATOMIC,       "&=",            F_MEM) \
	X(ATOMIC_FETCH_AND_DW, 0xdb, SEL_IMM,  0x51, FMT_ATOMIC_FETCH, "atomic_fetch_and", F_MEM|F_WSRC) \
	X(ATOMIC_XOR_DW,       0xdb, SEL_IMM,  0xa0, FMT_ATOMIC,       "^=",            F_MEM) \
	X(ATOMIC_FETCH_XOR_DW, 0xdb, SEL_IMM,  0xa1, FMT_ATOMIC_FETCH, "atomic_fetch_xor", F_MEM|F_WSRC) \
	X(ATOMIC_XCHG_DW,      0xdb, SEL_IMM,  0xe1, FMT_XCHG,         "xchg_64",       F_MEM|F_WSRC) \
	X(ATOMIC_CMPXCHG_DW,   0xdb, SEL_IMM,  0xf1, FMT_CMPXCHG,      "cmpxchg_64",    F_MEM|F_WR0) \
	X(LOAD_ACQ_B,          0xd3, SEL_IMM,  0x100, FMT_LOAD_ACQ,     "u8",            F_MEM|F_WDST) \
	X(LOAD_ACQ_H,          0xcb, SEL_IMM,  0x100, FMT_LOAD_ACQ,     "u16",           F_MEM|F_WDST) \
	X(LOAD_ACQ_W,          0xc3, SEL_IMM,  0x100, FMT_LOAD_ACQ,     "u32",           F_MEM|F_WDST) \
	X(LOAD_ACQ_DW,         0xdb, SEL_IMM,  0x100, FMT_LOAD_ACQ,     "u64",           F_MEM|F_WDST) \
	X(STORE_REL_B,         0xd3, SEL_IMM,  0x110, FMT_STORE_REL,    "u8",            F_MEM) \
	X(STORE_REL_H,         0xcb, SEL_IMM,  0x110, FMT_STORE_REL,    "u16",           F_MEM) \
	X(STORE_REL_W,         0xc3, SEL_IMM,  0x110, FMT_STORE_REL,    "u32",           F_MEM) \
	X(STORE_REL_DW,        0xdb, SEL_IMM,  0x110, FMT_STORE_REL,    "u64",           F_MEM) \
	X(LD_ABS_B,            0x30, SEL_NONE,    0, FMT_LD_ABS,       "u8",            F_WR0|F_PKT) \
	X(LD_ABS_H,            0x28, SEL_NONE,    0, FMT_LD_ABS,       "u16",           F_WR0|F_PKT) \
	X(LD_ABS_W,            0x20, SEL_NONE,    0, FMT_LD_ABS,       "u32",           F_WR0|F_PKT) \
	X(LD_IND_B,            0x50, SEL_NONE,    0, FMT_LD_IND,       "u8",            F_WR0|F_PKT) \
	X(LD_IND_H,            0x48, SEL_NONE,    0, FMT_LD_IND,       "u16",           F_WR0|F_PKT) \
	X(LD_IND_W,            0x40, SEL_NONE,    0, FMT_LD_IND,       "u32",           F_WR0|F_PKT) \
	X(LDDW,                0x18, SEL_SRC,     0, FMT_LDDW,         "",              F_WDST|F_LDDW) \
	X(LDDW_MAP_FD,         0x18, SEL_SRC,     1, FMT_LDDW,         "map_fd",        F_WDST|F_LDDW) \
	X(LDDW_MAP_VALUE,      0x18, SEL_SRC,     2, FMT_LDDW,         "map_value",     F_WDST|F_LDDW) \
	X(LDDW_BTF_ID,         0x18, SEL_SRC,     3, FMT_LDDW,         "btf_id",        F_WDST|F_LDDW) \
	X(LDDW_FUNC,           0x18, SEL_SRC,     4, FMT_LDDW,         "func",          F_WDST|F_LDDW|F_CALLREL) \
	X(LDDW_MAP_IDX,        0x18, SEL_SRC,     5, FMT_LDDW,         "map_idx",       F_WDST|F_LDDW) \
	X(LDDW_MAP_IDX_VALUE,  0x18, SEL_SRC,     6, FMT_LDDW,         "map_idx_value", F_WDST|F_LDDW) \
	/* end of UBEE_OPS */

#endif /* UBEE_ISA_OPS_H */
