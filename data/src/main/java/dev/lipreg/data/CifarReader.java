package dev.lipreg.data;

import dev.lipreg.tensor.io.MemoryBudget;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Reads the CIFAR-10 and CIFAR-100 binary versions (Krizhevsky 2009): files of fixed-size records, see
 * {@link CifarFormat}. Every file is read whole and checked (length a multiple of the record size,
 * every label in range) before any dataset is built.
 */
public final class CifarReader {
    /** Channels of a CIFAR image (RGB). */
    public static final int CHANNELS = 3;
    /** Height and width of a CIFAR image. */
    public static final int SIZE = 32;

    /** CIFAR-10 class names, indexed by label. */
    public static final List<String> CIFAR10_CLASS_NAMES = List.of("airplane", "automobile", "bird", "cat",
            "deer", "dog", "frog", "horse", "ship", "truck");

    /** Memory per content byte while loading: the byte itself and (about) one float. */
    private static final int PER_BYTE = 1 + Float.BYTES;

    private CifarReader() {}

    /**
     * Loads CIFAR-10 from {@code dir} or its {@code cifar-10-batches-bin} subdirectory: TRAIN is
     * {@code data_batch_1.bin} .. {@code data_batch_5.bin}, TEST is {@code test_batch.bin}.
     *
     * @param dir   the directory holding the files
     * @param split TRAIN or TEST
     * @return the dataset
     */
    public static Dataset cifar10(Path dir, Split split) {
        return DataIo.atEdge(dir, () -> readCifar10(dir, split));
    }

    private static Dataset readCifar10(Path dir, Split split) throws IOException {
        List<String> names = split == Split.TRAIN
                ? List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
                        "data_batch_5.bin")
                : List.of("test_batch.bin");
        List<Path> files = locate(dir, split, "cifar-10-batches-bin", names, "CIFAR-10");
        return readFiles(files, CifarFormat.CIFAR10, "cifar10-" + lower(split));
    }

    /**
     * Loads CIFAR-100 with the fine (100-class) labels.
     *
     * @param dir   the directory holding the files
     * @param split TRAIN or TEST
     * @return the dataset
     */
    public static Dataset cifar100(Path dir, Split split) {
        return cifar100(dir, split, CifarFormat.CIFAR100_FINE);
    }

    /**
     * Loads CIFAR-100 from {@code dir} or its {@code cifar-100-binary} subdirectory ({@code train.bin},
     * {@code test.bin}), with the fine or coarse labels.
     *
     * @param dir    the directory holding the files
     * @param split  TRAIN or TEST
     * @param labels CIFAR100_FINE or CIFAR100_COARSE
     * @return the dataset
     */
    public static Dataset cifar100(Path dir, Split split, CifarFormat labels) {
        Objects.requireNonNull(labels, "labels");
        if (!labels.isCifar100()) {
            throw new IllegalArgumentException("labels must be CIFAR100_FINE or CIFAR100_COARSE, got " + labels);
        }
        return DataIo.atEdge(dir, () -> readCifar100(dir, split, labels));
    }

    private static Dataset readCifar100(Path dir, Split split, CifarFormat labels) throws IOException {
        String file = split == Split.TRAIN ? "train.bin" : "test.bin";
        List<Path> files = locate(dir, split, "cifar-100-binary", List.of(file), "CIFAR-100");
        String kind = labels == CifarFormat.CIFAR100_FINE ? "fine" : "coarse";
        return readFiles(files, labels, "cifar100-" + kind + "-" + lower(split));
    }

    /**
     * Reads and concatenates record files of one format, in the order given. Files may be gzip.
     *
     * @param files  the record files
     * @param format their record layout
     * @param name   the dataset's name
     * @return the dataset
     */
    public static Dataset read(List<Path> files, CifarFormat format, String name) {
        Objects.requireNonNull(files, "files");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(name, "name");
        return DataIo.atEdge(files.isEmpty() ? null : files.getFirst(), () -> readFiles(files, format, name));
    }

    private static Dataset readFiles(List<Path> files, CifarFormat format, String name) throws IOException {
        int record = format.recordBytes();
        List<byte[]> contents = new ArrayList<>(files.size());
        long total = 0, held = 0;
        for (Path file : files) {
            // each content byte becomes about one float: 5 bytes of memory per byte, within what earlier files left
            byte[] b = FileBytes.read(file, Math.max(0, DataBudget.bytes() - held) / PER_BYTE, PER_BYTE);
            validate(file, b, format);
            contents.add(b);
            total += b.length / record;
            held += (long) b.length * PER_BYTE;
        }
        Path last = files.isEmpty() ? Path.of(name) : files.get(files.size() - 1);
        if (total * CifarFormat.IMAGE_BYTES > FileBytes.MAX_ARRAY) {
            throw new DataTooLargeException(last, name + ": " + total + " images do not fit in one float array (at most "
                    + FileBytes.MAX_ARRAY / CifarFormat.IMAGE_BYTES + ")");
        }
        if (total == 0) throw new DatasetFormatException(last, name + ": no images, expected at least one record");
        DataBudget.check(last, MemoryBudget.product(total, record + (long) Float.BYTES * CifarFormat.IMAGE_BYTES + Integer.BYTES, 0),
                name + ": " + total + " images as bytes and floats");
        int count = (int) total;
        float[] x = new float[count * CifarFormat.IMAGE_BYTES];
        int[] y = new int[count];
        float[] table = Pixels.unitTable();
        int i = 0;
        for (byte[] b : contents) {
            for (int r = 0; r < b.length; r += record, i++) {
                y[i] = b[r + format.labelIndex()] & 0xFF;
                Pixels.toUnit(b, r + format.labelBytes(), x, i * CifarFormat.IMAGE_BYTES, CifarFormat.IMAGE_BYTES,
                        table);
            }
        }
        return Dataset.ofTrustedPixels(x, y, count, CHANNELS, SIZE, SIZE, format.numClasses(), name);
    }

    private static void validate(Path file, byte[] b, CifarFormat format) throws DatasetFormatException {
        int record = format.recordBytes();
        String layout = format.labelBytes() + " label byte" + (format.labelBytes() == 1 ? "" : "s")
                + " + " + CifarFormat.IMAGE_BYTES + " pixel bytes";
        if (b.length == 0) {
            throw new DatasetFormatException(file, 0, "empty file, expected records of " + record + " bytes ("
                    + layout + ")");
        }
        int partial = b.length % record;
        if (partial != 0) {
            int whole = b.length / record;
            throw new DatasetFormatException(file, (long) whole * record, "partial record " + whole + " of "
                    + partial + " bytes: file length " + b.length + " is not a multiple of the " + record
                    + "-byte " + format + " record (" + layout + ")");
        }
        for (int r = 0; r < b.length; r += record) {
            for (int k = 0; k < format.labelBytes(); k++) {
                int v = b[r + k] & 0xFF;
                int limit = format.labelLimit(k);
                if (v >= limit) {
                    String which = format.isCifar100() ? (k == 0 ? "coarse label " : "fine label ") : "label ";
                    throw new DatasetFormatException(file, r + k, which + v + " (record " + (r / record)
                            + ") out of range, expected 0.." + (limit - 1));
                }
            }
        }
    }

    private static List<Path> locate(Path dir, Split split, String subdir, List<String> names, String display)
            throws NoSuchFileException {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(split, "split");
        Path base = Files.isDirectory(dir.resolve(subdir)) ? dir.resolve(subdir) : dir;
        List<Path> files = new ArrayList<>(names.size());
        for (String n : names) {
            Path p = base.resolve(n);
            if (!Files.isRegularFile(p)) {
                throw new NoSuchFileException(p.toString(), null, display + " " + split + " needs " + names
                        + " in " + dir + " or its " + subdir + " subdirectory");
            }
            files.add(p);
        }
        return files;
    }

    private static String lower(Split split) {
        return split.name().toLowerCase(Locale.ROOT);
    }
}
