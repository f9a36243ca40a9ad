#ifndef PERK_PREFETCH_H
#define PERK_PREFETCH_H

/// Asks the processor to bring the cache line at `address` in, without waiting for it: Swift
/// has no prefetch of its own. A hint only: any address may be given.
static inline void perk_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

/// The same for a line about to be written: brought in ready to be changed.
static inline void perk_prefetch_for_writing(const void *address) {
    __builtin_prefetch(address, 1, 3);
}

#endif
