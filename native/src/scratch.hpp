/* Scratch buffers held for a scope: Scratch<T> buf(SCRATCH_..., count) takes the calling thread's
 * buffer of that slot (64-byte aligned, at least count T's, kept and grown between calls, see
 * dispatch.cpp) and gives the slot back when it goes out of scope. Taking a slot this thread
 * already holds aborts with the slot's name, so two live buffers can never share memory.
 *
 * Which slots may be live together (splot_internal.h names them): an op takes its op-wide slots
 * (SCRATCH_OP_*) on the calling thread before its parallel region, and every task takes its task
 * slots (SCRATCH_TASK_*) inside the task; the calling thread runs tasks too, so all eight can be
 * live on it at once, and nothing an op calls while holding a slot may take that slot again.
 * What each op keeps where:
 *
 *   op (file)                                  op-wide slots                  task slots
 *   GEMM (gemm.hpp)                            PACKED A; TABLE shared packed   INPUT packed B panel (wide N)
 *                                              B (narrow N)
 *   long-K GEMM, dense forward (gemm.hpp)      PACKED the K groups' partial    INPUT packed A block, TEMP1 packed
 *                                              products, TABLE group counters  B block
 *   stride-1 fwd, bwd-data by correlation      WEIGHTS flipped (bwd-data),     INPUT padded plane, TEMP1 extended
 *     (conv_implicit.hpp)                      PACKED A, TABLE row offsets     output (s1_image)
 *   stride-1 VALID bwd-data (conv_implicit)    PACKED A, TABLE row offsets     INPUT widened dy, TEMP1 dcol
 *   stride-1 bwd-weights (conv_implicit)       PACKED chunk sums, TABLE        INPUT padded plane, TEMP1 widened
 *                                              row offsets                     dy, TEMP2 ones, TEMP3 row pointers,
 *                                                                              TEMP4 lane sums
 *   any stride fwd / bwd-data (conv_im2col)    PACKED A                        INPUT packed B, TEMP1 row / dcol
 *   any stride bwd-weights (conv_im2col)       PACKED chunk sums               INPUT im2col columns
 *   Winograd fwd (winograd.hpp, F(2x2) and     WEIGHTS U, PACKED U, TABLE      INPUT plane, TEMP1 V, TEMP2 M, TEMP3
 *     F(4x4) alike)
 *   Winograd bwd-data (winograd.hpp)           WEIGHTS U, PACKED U^T, TABLE    INPUT dy quarters, TEMP1 dM, TEMP2 dV,
 *                                                                              TEMP3, TEMP4 padded dx
 *   Winograd bwd-weights, and the fused        PACKED chunk sums (+ packed     INPUT x channel-last (+ the built dy),
 *     backward from a max-pool                 U^T), WEIGHTS U, TABLE (the     TEMP1 dy channel-last (alone), TEMP2
 *     (winograd_bwd_weights.hpp)               last two with dx)               packed dM + one tile's dM, TEMP3 packed
 *                                                                              V, TEMP4 (with dx) dy phases, dM, dV,
 *                                                                              padded dx, transform rows
 *
 * Part of the ops written once per ISA (see ops.hpp). */
#pragma once

template <class T>
class Scratch {
public:
    Scratch(splot_scratch_slot slot, size_t count)
        : slot_(slot), p_(static_cast<T*>(static_cast<void*>(splot_scratch_hold(slot, (count * sizeof(T) + sizeof(float) - 1) / sizeof(float))))) {}
    ~Scratch() { splot_scratch_release(slot_); }
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
    operator T*() const { return p_; }

private:
    splot_scratch_slot slot_;
    T* p_;
};
