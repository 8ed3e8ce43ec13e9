package dev.lipreg.bindings;

/**
 * The loaded oneDNN's version, from {@code dnnl_version()}.
 *
 * @param hash the git commit hash oneDNN was built from ("" if unknown)
 * @param major the major version
 * @param minor the minor version
 * @param patch the patch version
 */
public record DnnlVersion(int major, int minor, int patch, String hash) {

    /**
     * "3.13.0".
     *
     * @return the version as major.minor.patch
     */
    public String number() {
        return major + "." + minor + "." + patch;
    }

    @Override
    public String toString() {
        return hash.isEmpty() ? number() : number() + " (" + hash + ")";
    }
}
