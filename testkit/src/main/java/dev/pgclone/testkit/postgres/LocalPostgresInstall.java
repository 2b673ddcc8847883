package dev.pgclone.testkit.postgres;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/** The PostgreSQL server installations on this machine (Debian layout), which pods' images map to. */
public final class LocalPostgresInstall {

    public static final Path ROOT = Path.of("/usr/lib/postgresql");

    private LocalPostgresInstall() {}

    /** The newest installed major version, e.g. "15". */
    public static Optional<String> newestMajor() {
        try (Stream<Path> versions = Files.list(ROOT)) {
            return versions.filter(p -> Files.isExecutable(p.resolve("bin/postgres")))
                    .map(p -> p.getFileName().toString()).filter(s -> s.matches("[0-9]+"))
                    .max(Comparator.comparingInt(Integer::parseInt));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public static Path bin(String major, String program) {
        return ROOT.resolve(major).resolve("bin").resolve(program);
    }

    public static String requireMajor() {
        return newestMajor().orElseThrow(() -> new IllegalStateException(
                "no PostgreSQL server under " + ROOT + ": install one, e.g. apt-get install postgresql-15"));
    }
}
