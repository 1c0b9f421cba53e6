package dev.epoxy.proxy;

class H1ProxyET1Test extends H1ProxyTestBase {
    @Override
    int threads() {
        return 1;
    }

    @Override
    boolean edgeTriggered() {
        return true;
    }
}
