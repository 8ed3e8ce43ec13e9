/**
 * Datasets as plain arrays: IDX (MNIST, Fashion-MNIST) and CIFAR-10/100 binary readers, per-channel
 * normalization, seeded batching and batch augmentation.
 *
 * <p>Images are {@code float} in NCHW order scaled to [0,1]; labels are {@code int}. Readers read a
 * whole file into memory once, validate it completely and only then build a {@link dev.lipreg.data.Dataset},
 * so a corrupt file is rejected with a {@link dev.lipreg.data.DatasetFormatException}, never half loaded.
 * Everything random is driven by explicit seeds: the same seed, epoch and batch index always give the
 * same batch.
 */
package dev.lipreg.data;
