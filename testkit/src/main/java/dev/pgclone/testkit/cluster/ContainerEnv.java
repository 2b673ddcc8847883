package dev.pgclone.testkit.cluster;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A container's environment and command line as the kubelet computes them: literal values,
 * secretKeyRef / configMapKeyRef / fieldRef values and envFrom, $(VAR) expansion in values,
 * command and args; then container paths translated to host paths, because containers here share
 * the host's file system and only see their volumes where the pod spec mounts them.
 */
final class ContainerEnv {

    /** A value the container cannot start without is missing (CreateContainerConfigError). */
    static final class ConfigError extends Exception {
        ConfigError(String message) {
            super(message);
        }
    }

    private ContainerEnv() {}

    static Map<String, String> resolve(KubernetesClient client, Pod pod, Container c, String podIp) throws ConfigError {
        String ns = pod.getMetadata().getNamespace();
        Map<String, String> env = new LinkedHashMap<>();
        if (c.getEnvFrom() != null) {
            for (EnvFromSource from : c.getEnvFrom()) {
                String prefix = from.getPrefix() == null ? "" : from.getPrefix();
                if (from.getConfigMapRef() != null) {
                    ConfigMap cm = client.configMaps().inNamespace(ns).withName(from.getConfigMapRef().getName()).get();
                    if (cm == null) {
                        if (!Boolean.TRUE.equals(from.getConfigMapRef().getOptional())) {
                            throw new ConfigError("configmap \"" + from.getConfigMapRef().getName() + "\" not found");
                        }
                    } else if (cm.getData() != null) {
                        cm.getData().forEach((k, v) -> env.put(prefix + k, v));
                    }
                }
                if (from.getSecretRef() != null) {
                    Secret s = client.secrets().inNamespace(ns).withName(from.getSecretRef().getName()).get();
                    if (s == null) {
                        if (!Boolean.TRUE.equals(from.getSecretRef().getOptional())) {
                            throw new ConfigError("secret \"" + from.getSecretRef().getName() + "\" not found");
                        }
                    } else {
                        secretData(s).forEach((k, v) -> env.put(prefix + k, v));
                    }
                }
            }
        }
        if (c.getEnv() != null) {
            for (EnvVar e : c.getEnv()) {
                String value = value(client, pod, e, podIp);
                if (value != null) {
                    env.put(e.getName(), expand(value, env));
                }
            }
        }
        return env;
    }

    private static String value(KubernetesClient client, Pod pod, EnvVar e, String podIp) throws ConfigError {
        if (e.getValueFrom() == null) {
            return e.getValue() == null ? "" : e.getValue();
        }
        String ns = pod.getMetadata().getNamespace();
        var from = e.getValueFrom();
        if (from.getSecretKeyRef() != null) {
            var ref = from.getSecretKeyRef();
            Secret s = client.secrets().inNamespace(ns).withName(ref.getName()).get();
            String v = s == null ? null : secretData(s).get(ref.getKey());
            if (v == null && !Boolean.TRUE.equals(ref.getOptional())) {
                throw new ConfigError(s == null ? "secret \"" + ref.getName() + "\" not found"
                        : "couldn't find key " + ref.getKey() + " in Secret " + ns + "/" + ref.getName());
            }
            return v;
        }
        if (from.getConfigMapKeyRef() != null) {
            var ref = from.getConfigMapKeyRef();
            ConfigMap cm = client.configMaps().inNamespace(ns).withName(ref.getName()).get();
            String v = cm == null || cm.getData() == null ? null : cm.getData().get(ref.getKey());
            if (v == null && !Boolean.TRUE.equals(ref.getOptional())) {
                throw new ConfigError(cm == null ? "configmap \"" + ref.getName() + "\" not found"
                        : "couldn't find key " + ref.getKey() + " in ConfigMap " + ns + "/" + ref.getName());
            }
            return v;
        }
        if (from.getFieldRef() != null) {
            return switch (from.getFieldRef().getFieldPath()) {
                case "metadata.name" -> pod.getMetadata().getName();
                case "metadata.namespace" -> ns;
                case "metadata.uid" -> pod.getMetadata().getUid();
                case "status.podIP", "status.hostIP" -> podIp;
                case "spec.nodeName" -> LocalCluster.NODE;
                case "spec.serviceAccountName" -> pod.getSpec().getServiceAccountName();
                default -> throw new ConfigError("fieldRef " + from.getFieldRef().getFieldPath() + " is not supported by the local cluster");
            };
        }
        throw new ConfigError("env " + e.getName() + ": only value, secretKeyRef, configMapKeyRef and fieldRef are supported here");
    }

    static Map<String, String> secretData(Secret s) {
        Map<String, String> out = new LinkedHashMap<>();
        if (s.getData() != null) {
            s.getData().forEach((k, v) -> out.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
        }
        if (s.getStringData() != null) {
            out.putAll(s.getStringData());
        }
        return out;
    }

    /** Kubernetes' $(VAR) syntax: defined variables are replaced, $$ is a literal $, anything else stays as written. */
    static String expand(String s, Map<String, String> env) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < s.length()) {
            char ch = s.charAt(i);
            if (ch == '$' && i + 1 < s.length() && s.charAt(i + 1) == '$') {
                out.append('$');
                i += 2;
            } else if (ch == '$' && i + 1 < s.length() && s.charAt(i + 1) == '(') {
                int end = s.indexOf(')', i);
                String name = end < 0 ? null : s.substring(i + 2, end);
                if (name != null && env.containsKey(name)) {
                    out.append(env.get(name));
                    i = end + 1;
                } else {
                    out.append(ch);
                    i++;
                }
            } else {
                out.append(ch);
                i++;
            }
        }
        return out.toString();
    }

    /**
     * Container path → host path by the longest mount path that is a prefix: the whole value, or
     * the value part of a {@code name=/path} argument (postgres -c settings, --pgdata=...).
     */
    static String translate(String value, Map<String, String> mounts) {
        String whole = translatePath(value, mounts);
        if (whole != null) {
            return whole;
        }
        int eq = value.indexOf('=');
        if (eq > 0 && eq + 1 < value.length() && value.charAt(eq + 1) == '/' && !value.substring(0, eq).contains("/")) {
            String v = translatePath(value.substring(eq + 1), mounts);
            if (v != null) {
                return value.substring(0, eq + 1) + v;
            }
        }
        return value;
    }

    private static String translatePath(String value, Map<String, String> mounts) {
        List<String> paths = new ArrayList<>(mounts.keySet());
        paths.sort(Comparator.comparingInt(String::length).reversed());
        for (String containerPath : paths) {
            if (value.equals(containerPath) || value.startsWith(containerPath + "/")) {
                return mounts.get(containerPath) + value.substring(containerPath.length());
            }
        }
        return null;
    }
}
