/* Tensor memory (splot_alloc / splot_free in splot.h): 64-byte aligned, zero-filled, and given back
 * to the operating system when freed.
 *
 * Why not plain aligned_alloc/free: glibc serves a large block from its own mapping (mmap) only
 * while the block is above its mmap threshold, and that threshold is dynamic: the first free of
 * such a mapped block raises it to the block's size (up to 32 MiB). From then on tensors of that
 * size come from glibc's heaps and stay in them after free, so a process that dropped 800 MB of
 * models still held about half of it. Here every tensor of at least MAP_THRESHOLD bytes gets its
 * own anonymous mapping (already zero, unmapped on free) whatever glibc has seen; smaller ones,
 * a small share of any model, stay with malloc, where a page each would waste memory.
 *
 * Each block starts with a header of HEADER bytes (which keeps the tensor 64-byte aligned) holding
 * the mapping's length, or 0 for a malloc'd block, so splot_free needs only the pointer. */
#include "splot.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

namespace {

constexpr size_t HEADER = 64;
/* glibc's own initial mmap threshold: what it would do for these blocks before raising it. */
constexpr size_t MAP_THRESHOLD = 128 * 1024;

}  // namespace

void* splot_alloc(long long bytes) {
    const size_t b = bytes <= 0 ? 64 : (size_t)((bytes + 63) / 64) * 64;
    const size_t total = b + HEADER;
    char* block;
    size_t mapped = 0;
    if (total >= MAP_THRESHOLD) {
        void* m = mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED) return nullptr;
        block = static_cast<char*>(m); /* anonymous pages are zero */
        mapped = total;
    } else {
        block = static_cast<char*>(aligned_alloc(64, total));
        if (block == nullptr) return nullptr;
        memset(block + HEADER, 0, b);
    }
    memcpy(block, &mapped, sizeof mapped);
    return block + HEADER;
}

void splot_free(void* p) {
    if (p == nullptr) return;
    char* block = static_cast<char*>(p) - HEADER;
    size_t mapped;
    memcpy(&mapped, block, sizeof mapped);
    if (mapped != 0) {
        munmap(block, mapped);
    } else {
        free(block);
    }
}
