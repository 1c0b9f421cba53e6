package dev.epoxy.proxy;

class H1ProxyLT3Test extends H1ProxyTestBase {
    @Override
    int threads() {
        return 3;
    }

    @Override
    boolean edgeTriggered() {
        return false;
    }
}
