/* Softmax and softmax cross-entropy (serial: a batch of logits is a few thousand floats). Part of
 * the ops written once per ISA (see ops.hpp). */
#pragma once

static int softmax_xent(const float* logits, const int* labels, float* dl, int n, int k, double* loss, int* correct) {
    double lossSum = 0.0;
    int right = 0;
    for (int r = 0; r < n; ++r) {
        const int label = labels[r];
        if (label < 0 || label >= k) return r;
        const float* l = logits + (long)r * k;
        int am = 0;
        for (int j = 1; j < k; ++j)
            if (l[j] > l[am]) am = j;
        const float mx = l[am];
        float sum = 0.0f;
        for (int j = 0; j < k; ++j) sum += (float)exp((double)(l[j] - mx));
        lossSum += -((double)(l[label] - mx) - log((double)sum));
        if (am == label) ++right;
        if (dl) {
            float* d = dl + (long)r * k;
            for (int j = 0; j < k; ++j) {
                const float p = (float)exp((double)(l[j] - mx)) / sum;
                d[j] = (p - (j == label ? 1.0f : 0.0f)) / (float)n;
            }
        }
    }
    *loss = lossSum / n;
    *correct = right;
    return -1;
}

static void softmax_op(const float* logits, float* probs, int n, int k) {
    for (int r = 0; r < n; ++r) {
        const float* l = logits + (long)r * k;
        float mx = l[0];
        for (int j = 1; j < k; ++j) mx = (l[j] != l[j] || mx != mx) ? NAN : (l[j] > mx ? l[j] : mx);
        float sum = 0.0f;
        for (int j = 0; j < k; ++j) sum += (float)exp((double)(l[j] - mx));
        for (int j = 0; j < k; ++j) probs[(long)r * k + j] = (float)exp((double)(l[j] - mx)) / sum;
    }
}
