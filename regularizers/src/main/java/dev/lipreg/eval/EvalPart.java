package dev.lipreg.eval;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-image records of a contiguous slice of the test images, and the
 * seconds each attack spent on it. Slices evaluated apart (threads, processes,
 * Spark executors) are joined by {@link #concat} before the report is made.
 *
 * @param first   index of the slice's first image
 * @param records one per image, in order
 * @param seconds attack time per attack name, in the order they ran
 */
public record EvalPart(int first, List<ImageRecord> records, Map<String, Double> seconds) implements Serializable {

    /** Copies; checks the records are numbered first, first + 1, …. */
    public EvalPart {
        records = List.copyOf(records);
        seconds = Collections.unmodifiableMap(new LinkedHashMap<>(seconds));
        for (int i = 0; i < records.size(); i++) {
            if (records.get(i).index() != first + i) {
                throw new IllegalArgumentException("record " + i + " of a slice starting at " + first + " has index " + records.get(i).index());
            }
        }
    }

    /** {@return the number of images in the slice} */
    public int size() {
        return records.size();
    }

    /**
     * Joins slices into one starting at 0, in index order, whatever order they
     * arrive in; times add up. Gaps and overlaps are errors: a report must cover
     * every image exactly once.
     *
     * @param parts slices of one evaluation, in any order
     * @return the whole, starting at image 0
     * @throws IllegalArgumentException if {@code parts} is empty or the slices leave a gap or overlap
     */
    public static EvalPart concat(List<EvalPart> parts) {
        if (parts == null || parts.isEmpty()) throw new IllegalArgumentException("parts must not be empty");
        List<EvalPart> sorted = new ArrayList<>(parts);
        sorted.sort(Comparator.comparingInt(EvalPart::first));
        List<ImageRecord> all = new ArrayList<>();
        Map<String, Double> seconds = new LinkedHashMap<>();
        for (EvalPart p : sorted) {
            if (p.first != all.size()) {
                throw new IllegalArgumentException("slices must cover images 0.. without gaps or overlaps: expected a slice starting at "
                        + all.size() + ", got one starting at " + p.first);
            }
            all.addAll(p.records);
            p.seconds.forEach((k, v) -> seconds.merge(k, v, Double::sum));
        }
        return new EvalPart(0, all, seconds);
    }
}
