package dev.lipreg.cli;

import picocli.CommandLine;

/** The version from the jar manifest (the Maven version), or "dev" when run from classes. */
final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Lipreg.class.getPackage().getImplementationVersion();
        return new String[]{"lipreg " + (v == null ? "dev" : v), "Java " + Runtime.version()};
    }
}
