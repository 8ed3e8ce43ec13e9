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

    @Override
    void close();
}
