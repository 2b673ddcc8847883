package dev.pgclone.testkit.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The local cluster has no container runtime: an image reference is mapped to the machine's own
 * PostgreSQL binaries of the same major version (Debian's layout, /usr/lib/postgresql/N/bin).
 * Any registry and name ending in postgres or postgresql with a numeric tag works, so the official
 * image, CloudNativePG's and Bitnami's references all run.
 */
final class Images {

    private static final Pattern POSTGRES = Pattern.compile("^(?:.*/)?(?:postgres|postgresql)(?::([0-9]+)[^@]*)?(?:@.*)?$");

    /** What the reference resolves to: the bin dir, or why it cannot run here. */
    record Resolved(Path binDir, String major, String error) {
        boolean ok() {
            return error == null;
        }
    }

    private Images() {}

    static Resolved resolve(String image, Path postgresRoot) {
        Matcher m = image == null ? null : POSTGRES.matcher(image);
        if (m == null || !m.matches()) {
            return new Resolved(null, null, "the local cluster runs only PostgreSQL images (postgres:<major>), not " + image);
        }
        if (m.group(1) == null) {
            return new Resolved(null, null, "image " + image + " has no major version tag: use e.g. postgres:15");
        }
        String major = m.group(1);
        Path bin = postgresRoot.resolve(major).resolve("bin");
        if (!Files.isExecutable(bin.resolve("postgres"))) {
            return new Resolved(null, major, "image " + image + " runs from " + bin + ", which does not exist on this machine: "
                    + "install the Debian package postgresql-" + major + " (apt-get install postgresql-" + major + ")");
        }
        return new Resolved(bin, major, null);
    }

    /** The signal the image declares to stop its main process: the official postgres image's STOPSIGNAL is SIGINT (fast shutdown). */
    static String stopSignal() {
        return "INT";
    }
}
