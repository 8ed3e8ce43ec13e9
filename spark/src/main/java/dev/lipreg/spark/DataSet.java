package dev.lipreg.spark;

import dev.lipreg.data.CifarReader;
import dev.lipreg.data.Dataset;
import dev.lipreg.data.FashionMnist;
import dev.lipreg.data.Mnist;
import dev.lipreg.data.Split;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A dataset in a directory that every executor can read (a shared or replicated
 * path, as Spark users know it from {@code textFile}). Each executor JVM reads a
 * split once and keeps it ({@link #load}); the driver reads it only to check it
 * before any task starts ({@link #check}).
 */
enum DataSet {
    FASHION_MNIST("fashion-mnist"), MNIST("mnist"), CIFAR10("cifar10"), CIFAR100("cifar100");

    private static final Map<String, Dataset> LOADED = new ConcurrentHashMap<>();

    final String id;

    DataSet(String id) {
        this.id = id;
    }

    static DataSet parse(String option, String name) {
        for (DataSet d : values()) if (d.id.equals(name.toLowerCase(Locale.ROOT))) return d;
        throw new BadSettingException(option + ": expected one of " + Arrays.stream(values()).map(d -> d.id).toList() + ", got '" + name + "'");
    }

    /** The split, read once per JVM (the same directory and split give the same, shared, read-only dataset). */
    Dataset load(Path dir, Split split) {
        return LOADED.computeIfAbsent(id + "|" + split + "|" + dir.toAbsolutePath().normalize(), k -> read(dir, split));
    }

    /** Reads both splits' headers and the test split on the driver: a missing or corrupt dataset is one message, before any task. */
    void check(String option, Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new BadSettingException(option + ": " + id + " dataset not found: no directory " + dir
                    + " (the directory must be readable at this path on the driver and on every executor)");
        }
        try {
            Dataset test = load(dir, Split.TEST);
            Dataset train = read(dir, Split.TRAIN);
            if (train.imageSize() != test.imageSize() || train.numClasses() != test.numClasses()) {
                throw new BadSettingException(option + ": " + dir + ": the training and test images differ in size or classes");
            }
        } catch (RuntimeException e) {
            if (e instanceof BadSettingException) throw e;
            throw new BadSettingException(option + ": cannot read " + id + " from " + dir + ": " + Failures.message(e), e);
        }
    }

    private Dataset read(Path dir, Split split) {
        return switch (this) {
            case FASHION_MNIST -> FashionMnist.load(dir, split);
            case MNIST -> Mnist.load(dir, split);
            case CIFAR10 -> CifarReader.cifar10(dir, split);
            case CIFAR100 -> CifarReader.cifar100(dir, split);
        };
    }
}
