package dev.lipreg.tensor;

/** Entry point of the child JVMs of {@link BackendChoiceTest}: what {@link Backends#auto()} chooses in a fresh JVM. */
public final class BackendChoiceMain {
    private BackendChoiceMain() {
    }

    public static void main(String[] args) {
        try {
            System.out.println("BACKEND " + Backends.auto().name());
            System.out.println("SAME " + (Backends.auto() == Backends.configured()));
        } catch (RuntimeException e) {
            System.out.println("ERROR " + e.getClass().getSimpleName() + ": " + e.getMessage());
            try {
                Backends.auto();
            } catch (RuntimeException again) {
                System.out.println("AGAIN " + again.getMessage().equals(e.getMessage()));
            }
        }
    }
}
