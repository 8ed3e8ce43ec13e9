package dev.lipreg.tensor.io;

import dev.lipreg.errors.BadInputFileException;

import java.nio.file.Path;

/**
 * A safetensors file that is not well formed, or holds something LipReg cannot
 * load (an unsupported dtype). The message names the file and what was expected;
 * when it is thrown nothing from the file has been loaded.
 */
public final class CheckpointFormatException extends BadInputFileException {

    /**
     * A problem with {@code file}.
     *
     * @param file    the file
     * @param problem what is wrong
     */
    public CheckpointFormatException(Path file, String problem) {
        super(file, "bad safetensors file " + file + ": " + problem);
    }
}
