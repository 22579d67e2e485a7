#pragma once
// EXVIVO_VECTOR_LOOP marks a loop function to be compiled twice, once for
// AVX2 machines and once for any x86-64, the copy chosen when the program
// loads (GCC's function multi-versioning). Element-wise IEEE operations give
// the same bits in either copy; FMA stays off, because contracting a·b + c
// would change the rounding. Plain functions under sanitizers and other
// compilers.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__) && \
    !defined(__SANITIZE_THREAD__)
#define EXVIVO_VECTOR_LOOP __attribute__((target_clones("avx2", "default"), noinline))
#else
#define EXVIVO_VECTOR_LOOP
#endif
