// Softmax and softmax cross-entropy; the loss and the correct count are reduced on the device in a fixed order.
#pragma OPENCL FP_CONTRACT OFF
#ifdef cl_khr_fp64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#define ACC double
#else
#define ACC float
#endif

// One work-item per row: rowLoss[r] and rowFlag[r] (0 wrong, 1 correct, 2 label out of range); dlogits when writeGrad != 0.
__kernel void xent_rows(__global const float* logits, __global const int* labels, __global float* dl,
                        __global float* rowLoss, __global int* rowFlag, const int n, const int k, const int writeGrad) {
    const int r = get_global_id(0);
    if (r >= n) return;
    const __global float* l = logits + (long)r * k;
    const int label = labels[r];
    int am = 0;
    for (int j = 1; j < k; j++) if (l[j] > l[am]) am = j;
    const float mx = l[am];
    float sum = 0.0f;
    for (int j = 0; j < k; j++) sum += exp(l[j] - mx);
    if (label < 0 || label >= k) {
        rowLoss[r] = 0.0f;
        rowFlag[r] = 2;
        return;
    }
    rowLoss[r] = -((l[label] - mx) - log(sum));
    rowFlag[r] = am == label ? 1 : 0;
    if (writeGrad) {
        __global float* d = dl + (long)r * k;
        for (int j = 0; j < k; j++) {
            const float p = exp(l[j] - mx) / sum;
            d[j] = (p - (j == label ? 1.0f : 0.0f)) / (float)n;
        }
    }
}

// A single work-item: out[0] = float bits of the mean loss, out[1] = correct rows, out[2] = first bad row or -1, out[3] its label.
__kernel void xent_reduce(__global const float* rowLoss, __global const int* rowFlag, __global const int* labels,
                          __global int* out, const int n) {
    if (get_global_id(0) != 0) return;
    ACC s = 0;
    int correct = 0, bad = -1;
    for (int r = 0; r < n; r++) {
        s += (ACC)rowLoss[r];
        const int f = rowFlag[r];
        if (f == 1) correct++;
        if (f == 2 && bad < 0) bad = r;
    }
    out[0] = as_int((float)(s / (ACC)n));
    out[1] = correct;
    out[2] = bad;
    out[3] = bad >= 0 ? labels[bad] : 0;
}

__kernel void softmax_rows(__global const float* logits, __global float* probs, const int n, const int k) {
    const int r = get_global_id(0);
    if (r >= n) return;
    const __global float* l = logits + (long)r * k;
    __global float* p = probs + (long)r * k;
    float mx = l[0];
    for (int j = 1; j < k; j++) if (l[j] > mx || isnan(l[j])) mx = l[j]; // as Java's Math.max
    float sum = 0.0f;
    for (int j = 0; j < k; j++) sum += exp(l[j] - mx);
    for (int j = 0; j < k; j++) p[j] = exp(l[j] - mx) / sum;
}
