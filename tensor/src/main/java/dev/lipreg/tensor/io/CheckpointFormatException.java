package dev.lipreg.tensor.io;

import java.nio.file.Path;

/**
 * A safetensors file that is not well formed, or holds something LipReg cannot
 * load (an unsupported dtype). The message names the file and what was expected;
 * when it is thrown nothing from the file has been loaded.
 */
public final class CheckpointFormatException extends RuntimeException {
    private final transient Path file;

    public CheckpointFormatException(Path file, String problem) {
        super("bad safetensors file " + file + ": " + problem);
        this.file = file;
    }

    /** The file that was rejected. */
    public Path file() {
        return file;
    }
}
