package dev.lipreg.tensor;

/**
 * The backend contract on the reference backend itself: its validation is the
 * same as every other backend's; its parity cases compare it with itself, so
 * they show only that it is deterministic.
 */
class ReferenceContractTest extends BackendContract {
    @Override
    protected Backend backend() {
        return REF;
    }
}
