package dev.pgclone.testkit.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/**
 * Pod IPs: 127.0.0.2 and up. Linux routes all of 127/8 to the loopback interface, so every pod can
 * listen on its own address and the same port (5432), the way pods have their own network
 * namespace; no configuration or privilege is needed. An address whose port is taken (another
 * local cluster, a stray server) is skipped.
 */
final class LoopbackAddresses {

    private final Set<Integer> taken = new HashSet<>();
    private final int port;

    LoopbackAddresses(int port) {
        this.port = port;
    }

    synchronized String allocate() {
        for (int n = 2; n < 255; n++) {
            if (!taken.contains(n) && free("127.0.0." + n)) {
                taken.add(n);
                return "127.0.0." + n;
            }
        }
        throw new IllegalStateException("no free loopback address 127.0.0.2-254 with port " + port + " unused");
    }

    synchronized void release(String address) {
        if (address != null && address.startsWith("127.0.0.")) {
            taken.remove(Integer.parseInt(address.substring("127.0.0.".length())));
        }
    }

    private boolean free(String address) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(address), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
