// Inside UnionPay's app 云闪付 (its user agent says com.unionpay.), loaded by index.html before
// the app: the app's host there (src/host.rs, HostKind::Script). UnionPay's UPSDK gives the
// position (getLocationGps, GCJ-02) and closes the page (closeWebApp). UPSDK needs Zepto or
// jQuery on the page (its documentation, 6.2), so the build serves Zepto. A page in a UnionPay
// mini-program (the user agent says upApplet) may use UPSDK at once (pluginReady); any other
// page only after upsdk.config with its address signed by the service
// (GET api/v1/hosts/unionpay/config). Without either, the browser's geolocation answers.
(() => {
  let ready = null;
  const load = (src) =>
    new Promise((loaded, failed) => {
      const script = document.createElement("script");
      script.src = src;
      script.onload = loaded;
      script.onerror = failed;
      document.head.append(script);
    });
  const sdk = new Promise((resolve) => {
    // Never wait for ever: a position is wanted now.
    setTimeout(resolve, 10000);
    const address = location.href.split("#")[0];
    const config = /upApplet/.test(navigator.userAgent)
      ? Promise.resolve(null)
      : fetch(new URL(`api/v1/hosts/unionpay/config?url=${encodeURIComponent(address)}`, document.baseURI)).then(
          (answer) => (answer.ok ? answer.json() : Promise.reject(answer.status)),
        );
    config
      .then((config) =>
        // What the page already has is used as it is; otherwise Zepto from here, UPSDK by its address.
        (window.$ ? Promise.resolve() : load(new URL("zepto-1.2.0.min.js", document.baseURI)))
          .then(() => window.upsdk || load("https://open.95516.com/s/open/js/upsdk.js"))
          .then(() => {
            const done = () => resolve((ready = upsdk));
            if (!config) return upsdk.pluginReady(done);
            upsdk.ready(done);
            upsdk.error(() => resolve());
            upsdk.config({
              appId: config.app_id,
              timestamp: config.timestamp,
              nonceStr: config.nonce_str,
              signature: config.signature,
            });
          }),
      )
      .catch(() => resolve());
  });
  // The browser's own answer, with src/location's options.
  const browser = () =>
    new Promise((resolve, reject) =>
      navigator.geolocation.getCurrentPosition((position) => resolve(position.coords), reject, {
        enableHighAccuracy: true,
        timeout: 20000,
        maximumAge: 60000,
      }),
    );
  window.huiquanHost = {
    kind: "unionpay",
    // GCJ-02 (高德's datum, as UPSDK says), which the app converts. UPSDK gives no accuracy: 100 m
    // is assumed, so that a place that close to the border is called uncertain, not inside.
    // Android's answer is JSON text, iOS's an object.
    getLocation: () =>
      sdk.then((upsdk) =>
        upsdk
          ? new Promise((resolve, reject) =>
              upsdk.getLocationGps({
                success: (answer) => {
                  try {
                    const place = typeof answer == "string" ? JSON.parse(answer) : answer;
                    const [latitude, longitude] = [Number(place.latitude), Number(place.longitude)];
                    if (isNaN(latitude) || isNaN(longitude)) throw answer;
                    resolve({ latitude, longitude, accuracy: 100, gcj02: true });
                  } catch {
                    reject({ code: 2 });
                  }
                },
                fail: () => reject({ code: 2 }),
              }),
            )
          : browser(),
      ),
    close: () => (ready ? (ready.closeWebApp(), true) : false),
  };
})();
