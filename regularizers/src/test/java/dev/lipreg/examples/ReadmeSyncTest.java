package dev.lipreg.examples;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every Java block of the README is a compiled, tested file: a block follows a marker
 * {@code <!-- example: PATH -->} and must equal that file from its first import to its end,
 * so the README can never drift from code that {@link ExamplesTest} runs.
 */
class ReadmeSyncTest {
    private static final Pattern EXAMPLE = Pattern.compile("<!-- example: (\\S+) -->\\s*```java\\n(.*?)```", Pattern.DOTALL);

    @Test
    void everyJavaBlockIsAnExampleFileVerbatim() throws IOException {
        Path root = Path.of("").toAbsolutePath().getParent();
        String readme = Files.readString(root.resolve("README.md"));
        Matcher m = EXAMPLE.matcher(readme);
        List<String> seen = new ArrayList<>();
        while (m.find()) {
            Path file = root.resolve(m.group(1));
            assertTrue(Files.isRegularFile(file), "README names " + file + ", which does not exist");
            assertEquals(fromFirstImport(Files.readString(file)), m.group(2).strip(), "README block of " + m.group(1));
            seen.add(m.group(1));
        }
        assertFalse(seen.isEmpty(), "the README has marked Java examples");
        long javaBlocks = readme.lines().filter(l -> l.strip().equals("```java")).count();
        assertEquals(javaBlocks, seen.size(), "every ```java block of the README is marked with its example file; marked: " + seen);
    }

    private static String fromFirstImport(String source) {
        int i = source.indexOf("\nimport ");
        return (i < 0 ? source : source.substring(i + 1)).strip();
    }
}
