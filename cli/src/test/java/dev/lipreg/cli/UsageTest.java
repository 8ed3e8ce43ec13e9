package dev.lipreg.cli;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UsageTest {

    @Test
    void helpListsEverySubcommand() {
        CliRun r = CliRun.of("--help");
        assertEquals(0, r.code(), r.dump());
        for (String c : List.of("info", "train", "eval", "attack", "detect", "grad", "demo", "theory")) {
            assertTrue(r.out().contains("\n  " + c + " "), c + ": " + r.dump());
            CliRun sub = CliRun.of(c, "--help");
            assertEquals(0, sub.code(), sub.dump());
            assertTrue(sub.out().startsWith("Usage: lipreg " + c), sub.dump());
        }
        assertTrue(r.out().contains("Exit codes: 0 success, 2 bad usage or input, 1 other failure."), r.dump());
    }

    @Test
    void versionAndMissingSubcommand() {
        CliRun v = CliRun.of("--version");
        assertEquals(0, v.code(), v.dump());
        assertTrue(v.out().startsWith("lipreg "), v.dump());
        CliRun none = CliRun.of();
        assertEquals(2, none.code(), none.dump());
        assertTrue(none.err().startsWith("Usage: lipreg"), none.dump());
    }

    @Test
    void stackTraceOnlyWhenAsked() {
        CliRun quiet = CliRun.of("grad", "--model", "/no/spec.json", "--weights", "w", "--input", "x", "--out", "o");
        assertEquals(2, quiet.code());
        assertEquals(1, quiet.err().lines().count(), quiet.dump());
        CliRun loud = CliRun.of("grad", "--stacktrace", "--model", "/no/spec.json", "--weights", "w", "--input", "x", "--out", "o");
        assertEquals(2, loud.code());
        assertTrue(loud.err().contains("\tat dev.lipreg.cli."), loud.dump());
    }
}
