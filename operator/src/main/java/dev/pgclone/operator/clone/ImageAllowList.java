package dev.pgclone.operator.clone;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The images clone Pods may run, as the operator's administrators wrote them (config
 * {@code pgclone.allowed-images}). Creating a DatabaseClone amounts to running a Pod of the chosen
 * image with a copy of a volume mounted, so this list is what keeps a namespace's users from running
 * code of their own choosing on production data.
 *
 * <p>Each pattern is matched against the whole image reference; {@code *} stands for any run of
 * characters, {@code /}, {@code :} and {@code @} included, and every other character only for
 * itself. A reference is allowed when a pattern matches any spelling of the same image: as written,
 * fully qualified ({@code docker.io/library/postgres:16}) or in Docker's short form
 * ({@code postgres:16}); a reference without tag or digest is also tried with {@code :latest},
 * which is what the runtime pulls. Digests are deliberately allowed by a pattern that ends in
 * {@code *}: {@code postgres:*} allows {@code postgres:16@sha256:...}, because a digest can only
 * name an image pushed to that same repository, and trust is placed in whoever may push there.
 * A reference by digest alone ({@code postgres@sha256:...}) needs a pattern of that form, e.g.
 * {@code postgres@*}; to pin digests, list them one by one.
 */
public final class ImageAllowList {

    private static final String DOCKER_HUB = "docker.io";

    private final List<String> patterns;

    private ImageAllowList(List<String> patterns) {
        this.patterns = patterns;
    }

    /** @param commaSeparated patterns separated by commas; blank entries are ignored */
    public static ImageAllowList of(String commaSeparated) {
        return of("pgclone.allowed-images", commaSeparated);
    }

    /** @param property the setting the patterns come from, named when it lists none */
    public static ImageAllowList of(String property, String commaSeparated) {
        List<String> patterns = commaSeparated == null ? List.of()
                : Arrays.stream(commaSeparated.split(",")).map(String::strip).filter(p -> !p.isEmpty()).distinct().toList();
        if (patterns.isEmpty()) {
            throw new IllegalArgumentException(property + " lists no pattern: set it to * to allow every image,"
                    + " or to the images that may run, e.g. postgres:*,ghcr.io/cloudnative-pg/postgresql:*");
        }
        return new ImageAllowList(patterns);
    }

    public static ImageAllowList allowAll() {
        return new ImageAllowList(List.of("*"));
    }

    public boolean allowsAll() {
        return patterns.contains("*");
    }

    public boolean allows(String image) {
        if (image == null || image.isBlank() || image.chars().anyMatch(Character::isWhitespace)) {
            return false;
        }
        Set<String> spellings = spellings(image);
        return patterns.stream().anyMatch(p -> spellings.stream().anyMatch(s -> matches(p, s)));
    }

    public List<String> patterns() {
        return patterns;
    }

    @Override
    public String toString() {
        return String.join(", ", patterns);
    }

    /** The same image written the ways users write it; each names exactly what the runtime pulls for the reference. */
    static Set<String> spellings(String image) {
        Set<String> out = new LinkedHashSet<>();
        out.add(image);
        int at = image.indexOf('@');
        String name = at < 0 ? image : image.substring(0, at);
        String digest = at < 0 ? "" : image.substring(at);
        int slash = name.lastIndexOf('/');
        int colon = name.lastIndexOf(':');
        String tag = colon > slash ? name.substring(colon) : "";
        String repository = colon > slash ? name.substring(0, colon) : name;
        if (tag.isEmpty() && digest.isEmpty()) {
            tag = ":latest";
        }
        String qualified = qualified(repository);
        out.add(qualified + tag + digest);
        if (qualified.startsWith(DOCKER_HUB + "/")) {
            String path = qualified.substring(DOCKER_HUB.length() + 1);
            out.add((path.startsWith("library/") && path.indexOf('/', "library/".length()) < 0 ? path.substring("library/".length()) : path)
                    + tag + digest);
        }
        return out;
    }

    /** Docker's rule: the first path component is a registry only if it has a dot or a port, or is localhost. */
    private static String qualified(String repository) {
        int slash = repository.indexOf('/');
        String first = slash < 0 ? "" : repository.substring(0, slash);
        if (slash >= 0 && (first.contains(".") || first.contains(":") || first.equals("localhost"))) {
            return repository;
        }
        return DOCKER_HUB + "/" + (slash < 0 ? "library/" + repository : repository);
    }

    /** Whole-string glob match where {@code *} matches any run of characters; linear in practice, no regex. */
    static boolean matches(String pattern, String text) {
        int p = 0;
        int t = 0;
        int star = -1;
        int resume = 0;
        while (t < text.length()) {
            if (p < pattern.length() && pattern.charAt(p) == '*') {
                star = p++;
                resume = t;
            } else if (p < pattern.length() && pattern.charAt(p) == text.charAt(t)) {
                p++;
                t++;
            } else if (star >= 0) {
                p = star + 1;
                t = ++resume;
            } else {
                return false;
            }
        }
        while (p < pattern.length() && pattern.charAt(p) == '*') {
            p++;
        }
        return p == pattern.length();
    }
}
