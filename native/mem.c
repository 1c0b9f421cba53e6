/* Buffer memory that Epoxy owns: one anonymous mapping reserved at start (address space only,
 * MAP_NORESERVE) and carved into fixed-size buffers by the Java pool; pages become resident when
 * first written and are given back to the kernel with MADV_DONTNEED when the pool releases them. */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include "epoxy.h"

int64_t epoxy_mem_reserve(int64_t len)
{
    void *p = mmap(NULL, (size_t)len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? -errno : (int64_t)(uintptr_t)p;
}

int epoxy_mem_release(int64_t addr, int64_t len)
{
    return madvise((void *)(uintptr_t)addr, (size_t)len, MADV_DONTNEED) < 0 ? -errno : 0;
}

int epoxy_mem_unmap(int64_t addr, int64_t len)
{
    return munmap((void *)(uintptr_t)addr, (size_t)len) < 0 ? -errno : 0;
}
