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
 * Every Java block of the README is compiled, tested code: a block follows a marker
 * {@code <!-- example: PATH -->} and must equal that file from its first import to its end, or
 * {@code <!-- example: PATH#NAME -->} and must equal the lines between {@code // README NAME begin}
 * and {@code // README NAME end} in that file (common indentation removed). So the README can never
 * drift from code that a test ({@link ExamplesTest}, a module's own README test) runs.
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
            String[] ref = m.group(1).split("#", 2);
            Path file = root.resolve(ref[0]);
            assertTrue(Files.isRegularFile(file), "README names " + file + ", which does not exist");
            String source = Files.readString(file);
            String expected = ref.length == 1 ? fromFirstImport(source) : region(source, ref[1], file);
            assertEquals(expected, m.group(2).strip(), "README block of " + m.group(1));
            seen.add(m.group(1));
        }
        assertFalse(seen.isEmpty(), "the README has marked Java examples");
        long javaBlocks = readme.lines().filter(l -> l.strip().equals("```java")).count();
        assertEquals(javaBlocks, seen.size(), "every ```java block of the README is marked with its example file; marked: " + seen);
    }

    private static String region(String source, String name, Path file) {
        List<String> lines = source.lines().toList();
        int begin = -1, end = -1;
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i).strip();
            if (l.equals("// README " + name + " begin")) begin = i;
            if (l.equals("// README " + name + " end")) end = i;
        }
        assertTrue(begin >= 0 && end > begin, file + " has no region '// README " + name + " begin' ... 'end'");
        List<String> body = lines.subList(begin + 1, end);
        int indent = body.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        return String.join("\n", body.stream().map(l -> l.isBlank() ? "" : l.substring(indent)).toList()).strip();
    }

    private static String fromFirstImport(String source) {
        int i = source.indexOf("\nimport ");
        return (i < 0 ? source : source.substring(i + 1)).strip();
    }
}
