package dev.pgclone.operator.cnpg;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Reads fields of a generic resource's JSON tree. A field of another type than expected reads as
 * absent: another operator's objects are input, and input never makes the resolver throw.
 */
final class Fields {

    private Fields() {}

    static Object at(Object root, String... path) {
        Object node = root;
        for (String key : path) {
            if (!(node instanceof Map<?, ?> map)) {
                return null;
            }
            node = map.get(key);
        }
        return node;
    }

    static Optional<String> string(Object root, String... path) {
        return at(root, path) instanceof String s && !s.isEmpty() ? Optional.of(s) : Optional.empty();
    }

    static Optional<Boolean> bool(Object root, String... path) {
        return at(root, path) instanceof Boolean b ? Optional.of(b) : Optional.empty();
    }

    /** A whole number; JSON may bring it as any Number (or a double with no fraction). */
    static OptionalLong number(Object root, String... path) {
        Object value = at(root, path);
        if (value instanceof Integer || value instanceof Long || value instanceof Short) {
            return OptionalLong.of(((Number) value).longValue());
        }
        if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && !Double.isInfinite(n.doubleValue())) {
            return OptionalLong.of(n.longValue());
        }
        return OptionalLong.empty();
    }

    static boolean present(Object root, String... path) {
        return at(root, path) != null;
    }

    /** The maps of a list field; other entries are skipped. */
    static List<Map<?, ?>> maps(Object root, String... path) {
        List<Map<?, ?>> out = new ArrayList<>();
        if (at(root, path) instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> m) {
                    out.add(m);
                }
            }
        }
        return out;
    }

    /** The strings of a list field; other entries are skipped. */
    static List<String> strings(Object root, String... path) {
        List<String> out = new ArrayList<>();
        if (at(root, path) instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof String s && !s.isEmpty()) {
                    out.add(s);
                }
            }
        }
        return out;
    }
}
