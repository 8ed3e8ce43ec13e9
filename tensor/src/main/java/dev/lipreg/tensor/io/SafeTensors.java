package dev.lipreg.tensor.io;

import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Reads and writes the <a href="https://github.com/huggingface/safetensors">safetensors</a>
 * format: an 8-byte little-endian header length N, N bytes of UTF-8 JSON
 * ({@code {"__metadata__": {...}, "name": {"dtype": "F32", "shape": [..], "data_offsets": [b, e]}, ...}}),
 * then the tensors' little-endian, row-major bytes. Dtypes F32, F64, I32 and I64 are read and
 * written; F16 and BF16 are read, widened exactly to float32.
 *
 * <p>Files are byte-identical to those of the reference writer for the same
 * input (tensors by descending dtype alignment, then name; header padded with
 * spaces to a multiple of 8), so {@code safetensors.torch.load_file} reads them.
 *
 * <p>Errors: a malformed file gives a {@link CheckpointFormatException} naming
 * the file and the problem; an I/O failure an {@link UncheckedIOException};
 * bad arguments an {@link IllegalArgumentException}.
 */
public final class SafeTensors {
    private SafeTensors() {
    }

    /**
     * Writes {@code tensors} and {@code metadata} (may be null or empty: no
     * {@code __metadata__} entry) to {@code file}, atomically: the bytes go to a
     * temp file in the same directory, which is forced to disk and renamed over
     * {@code file}. If anything fails, the temp file is deleted and a previous
     * {@code file} is left untouched. The same input always gives the same bytes.
     * Tensors may live on any backend.
     *
     * @throws IllegalArgumentException for an empty or reserved ({@code __metadata__}) name, a null or freed
     *                                  tensor, a null metadata key or value, or a string that is not valid Unicode
     * @param file     the file to write
     * @param tensors  the tensors, by name
     * @param metadata strings for the header, or null
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) {
        SafeTensorsWriter.write(file, tensors, metadata);
    }

    /**
     * {@link #write(Path, Map, Map)} without metadata.
     *
     * @param file    the file to write
     * @param tensors the tensors, by name
     */
    public static void write(Path file, Map<String, Tensor> tensors) {
        SafeTensorsWriter.write(file, tensors, null);
    }

    /**
     * Loads every tensor of {@code file} onto {@code backend}, in {@link Scope#current()}.
     * The file is validated in full before any tensor is created, so a bad file
     * allocates nothing. Rejected (with {@link CheckpointFormatException}):
     * <ul>
     *   <li>a file shorter than 8 bytes; a header length over 100,000,000 bytes or past the end of the file;</li>
     *   <li>a header that is not UTF-8, not JSON, not a JSON object, or has a duplicate key, or whose
     *       {@code __metadata__} is not an object of strings;</li>
     *   <li>an entry without {@code dtype}, {@code shape} or {@code data_offsets} = [begin, end];
     *       a dtype other than F16, BF16, F32, F64, I32, I64; a negative, non-integer or over-int dimension;</li>
     *   <li>begin &gt; end; end - begin != elements &times; dtype size;</li>
     *   <li>tensors that do not tile the data buffer exactly, in offset order: a gap, an overlap,
     *       trailing bytes after the last tensor, or a tensor past the end of the file (truncation).</li>
     * </ul>
     * Unknown fields of a tensor entry are ignored, as the reference reader does.
     *
     * <p>Conversions: F16 and BF16 tensors become float32 (exactly: every half-precision value,
     * subnormals, ±∞ and NaN included, is a float32). F64 tensors stay float64 on a backend that holds
     * float64 (the reference backend) and are rounded to the nearest float32 (ties to even, as PyTorch's
     * {@code .float()}) on one that does not (oneDNN, CUDA); a finite F64 value beyond float32's range is
     * refused rather than turned into ±∞. Integer tensors stay integers: loading them into floating-point
     * weights fails in {@code Module.loadStateDict}.
     *
     * @return tensors in file order (by data offset) and the metadata (empty when absent)
     * @throws IllegalStateException    when this thread has no open {@link Scope}
     * @throws IllegalArgumentException when {@code backend} does not support a dtype in the file, an F64 value does
     *                                  not fit the float32 of a backend without float64, or the
     *                                  tensor data exceeds the memory budget (system property
     *                                  {@code lipreg.maxTensorBytes}, env {@code LIPREG_MAX_TENSOR_BYTES};
     *                                  default half the physical memory), checked before allocating
     * @param file    the file
     * @param backend the backend the tensors go to
     */
    public static SafeTensorFile read(Path file, Backend backend) {
        return SafeTensorsReader.read(file, backend);
    }

    /**
     * The validated header of {@code file} (names, dtypes, shapes, offsets, metadata)
     * without reading tensor data; the checks are those of {@link #read}, so a file
     * whose header passes here fails {@code read} only if it changes in between.
     *
     * @param file the file
     * @return the header
     */
    public static SafeTensorHeader readHeader(Path file) {
        return SafeTensorsReader.readHeader(file);
    }
}
