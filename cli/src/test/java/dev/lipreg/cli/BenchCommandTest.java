package dev.lipreg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `lipreg bench --compare` runs the harness and writes its report; no timing is asserted. */
class BenchCommandTest {
    @TempDir
    Path tmp;

    @Test
    void compareWritesJsonAndMarkdown() throws IOException {
        Path out = tmp.resolve("bench");
        CliRun r = CliRun.of("bench", "--compare", "--modes", "forward", "--batch", "8", "--warmup", "1", "--jvm-warmup", "0", "--steps", "2",
                "--no-torch", "--out", out.toString());
        assertEquals(0, r.code(), r.dump());
        assertTrue(r.out().contains("| forward"), r.dump());
        JsonNode json = new ObjectMapper().readTree(out.resolve("compare.json").toFile());
        assertTrue(json.isObject(), json.toString());
        assertTrue(Files.readString(out.resolve("compare.md")).contains("forward"));
    }

    @Test
    void unknownModeIsBadInput() {
        Path out = tmp.resolve("none");
        CliRun r = CliRun.of("bench", "--compare", "--modes", "sideways", "--no-torch", "--out", out.toString());
        assertEquals(2, r.code(), r.dump());
        assertTrue(r.err().contains("sideways"), r.dump());
        assertFalse(Files.exists(out), "nothing written for bad input");
    }
}
