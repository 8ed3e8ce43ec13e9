package dev.lipreg.bindings;

/** Entry point of the child JVMs launched by {@link ChildJvmTest}: one load attempt per process. */
public final class ChildMain {

    private ChildMain() {}

    public static void main(String[] args) {
        switch (args[0]) {
            case "load" -> {
                Dnnl.ensureLoaded();
                System.out.println("VERSION " + Dnnl.version().number());
                System.out.println("LIB " + Dnnl.libraryPath());
                System.out.println("THREADS " + Dnnl.maxThreads());
                System.out.println("OK");
            }
            case "fail" -> {
                String first = message(), second = message();
                System.out.println("ERROR " + first);
                System.out.println("SAME " + first.equals(second));
                System.out.println("AVAILABLE " + Dnnl.availability().available());
                // the pure-Java path keeps working in this JVM
                double sum = 0;
                for (int i = 1; i <= 100; i++) sum += i;
                System.out.println("PURE_JAVA " + (int) sum);
                System.out.println("CUDA " + Cuda.probe().available());
            }
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    private static String message() {
        try {
            Dnnl.ensureLoaded();
            return "none";
        } catch (NativeUnavailableException e) {
            return e.getMessage();
        }
    }
}
