package dev.lipreg.bindings;

/**
 * Whether a native backend can be used, and why (or why not) in words.
 *
 * @param available true when the libraries are loaded and usable
 * @param detail    what was loaded, or the reason it is unavailable and how to fix it
 */
public record Availability(boolean available, String detail) {

    /** Replaces a null {@code detail} by "". */
    public Availability {
        detail = detail == null ? "" : detail;
    }
}
