"""What the Python peers report about their own process (imported by
diffrax_peer.py and diffrax_sde_peer.py, which run from this directory)."""
import resource


def os_threads():
    """OS threads of this process (Linux /proc), or -1 if unknown."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


def cpu_seconds():
    """User + system CPU time of this process so far."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
