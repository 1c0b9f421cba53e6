package dev.epoxy.sys;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class SysSmokeTest {
    @Test
    void abiLoads() {
        assertEquals(12, Abi.EPOLL_EVENT_SIZE);
        assertEquals(4, Abi.EPOLL_DATA_OFFSET);
        assertEquals(7, Sys.epoxy_noop(7));
    }
}
