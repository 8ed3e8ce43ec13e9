package dev.lipreg.bindings;

/**
 * Whether {@code --enable-native-access} covers LipReg's module (ALL-UNNAMED on the class path).
 *
 * <p>Read once, before any generated class runs: in the JDK's default "warn" mode a module's first
 * restricted call (the generated header classes make one in their static initializers) prints a
 * warning and then marks the module as enabled, so a later {@code isNativeAccessEnabled()} would
 * always say yes. Every class here whose static initializer touches generated code reads this first.
 */
final class NativeAccess {

    static final boolean ENABLED = NativeAccess.class.getModule().isNativeAccessEnabled();

    private NativeAccess() {}
}
