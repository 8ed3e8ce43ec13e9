package dev.lipreg.data;

/** Which part of a dataset to load. */
public enum Split {
    /** The training split. */
    TRAIN,
    /** The test split. */
    TEST
}
