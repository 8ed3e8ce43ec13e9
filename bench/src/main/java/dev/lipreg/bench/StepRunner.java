package dev.lipreg.bench;

import java.util.Map;

/** Something that times steps of a {@link Mode}: LipReg in this JVM, or a worker process (a child JVM, compare.py). */
interface StepRunner extends AutoCloseable {

    /** Milliseconds of each of {@code n} consecutive steps. */
    double[] run(Mode mode, int n);

    /** What runs the steps: library versions, threads, data source. */
    Map<String, Object> info();

    /** The sgemm roofline measured where the steps run (LipReg runners only). */
    default Roofline.Result sgemm(int n, int reps) {
        throw new UnsupportedOperationException("this runner measures no sgemm roofline");
    }

    /** This side's peak RSS in KiB since the last reset ({@link PeakRss}); resets it first when asked. -1 when unknown. */
    long peakKib(boolean reset);

    /**
     * LipReg's side of the {@link GradientCheck}: writes its parameters and first batch to {@code in},
     * its exact objective's parameter gradient to {@code out}; returns the objective.
     */
    default double exportCheck(java.nio.file.Path in, java.nio.file.Path out) {
        throw new UnsupportedOperationException("this runner is not LipReg");
    }

    /** A peer's side of the {@link GradientCheck}: reads {@code in}, writes its gradient to {@code out}; returns the objective. */
    default double check(java.nio.file.Path in, java.nio.file.Path out) {
        throw new UnsupportedOperationException("this runner checks nothing");
    }

    /** Microseconds per tiny op issued from this side's host language (-1 when not measured). */
    default double perOpMicros() {
        return -1;
    }

    @Override
    void close();
}
