// The app's host in the apps whose own SDK it uses (src/host.rs), loaded by index.html before the
// app when the user agent names one of them:
// - WeChat's own browser (an official account's page, a link opened in a chat; HostKind::WeChat):
//   WeChat's JS-SDK gives the position and closes the page, once the service has signed this
//   address (GET api/v1/hosts/wechat/config);
// - 云闪付, UnionPay's app (its user agent says com.unionpay.; HostKind::UnionPay): UnionPay's
//   UPSDK does (getLocationGps, closeWebApp). UPSDK needs Zepto or jQuery on the page (its
//   documentation, 6.2), so the build serves Zepto. A page in a UnionPay mini-program (the user
//   agent says upApplet) may use UPSDK at once (pluginReady); any other page only after
//   upsdk.config with its address signed by the service (GET api/v1/hosts/unionpay/config).
// Until the SDK is ready, or without it (no account configured, no token, no network), the
// browser's geolocation answers, as the app would ask it itself.
(() => {
  const agent = navigator.userAgent;
  const load = (src) =>
    new Promise((loaded, failed) => {
      const script = document.createElement("script");
      script.src = src;
      script.onload = loaded;
      script.onerror = failed;
      document.head.append(script);
    });
  // The SDK's configuration for this page's address, signed by the service, in the fields both
  // SDKs' `config` takes.
  const signed = (platform) =>
    fetch(new URL(`api/v1/hosts/${platform}/config?url=${encodeURIComponent(location.href.split("#")[0])}`, document.baseURI))
      .then((answer) => (answer.ok ? answer.json() : Promise.reject(answer.status)))
      .then((config) => ({ appId: config.app_id, timestamp: config.timestamp, nonceStr: config.nonce_str, signature: config.signature }));
  // The browser's own answer, with src/location's options.
  const browser = () =>
    new Promise((resolve, reject) =>
      navigator.geolocation.getCurrentPosition((position) => resolve(position.coords), reject, {
        enableHighAccuracy: true,
        timeout: 20000,
        maximumAge: 60000,
      }),
    );
  // `huiquanHost` of `kind` on an SDK that `start` makes ready (calling `ready(sdk)`, or
  // `ready()` when it cannot be had); `locate(sdk)` and `close(sdk)` use it.
  const host = (kind, start, locate, close) => {
    let usable = null;
    const sdk = new Promise((ready) => {
      // Never wait for ever: a position is wanted now.
      setTimeout(ready, 10000);
      start((sdk) => ready((usable = sdk))).catch(() => ready());
    });
    window.huiquanHost = {
      kind,
      getLocation: () => sdk.then((sdk) => (sdk ? locate(sdk) : browser())),
      close: () => (usable ? (close(usable), true) : false),
    };
  };

  if (/MicroMessenger/.test(agent)) {
    host(
      "wechat",
      (ready) =>
        signed("wechat").then((config) =>
          // An SDK the page already has is used as it is; otherwise WeChat's own, by its address.
          (window.wx ? Promise.resolve() : load("https://res.wx.qq.com/open/js/jweixin-1.6.0.js")).then(() => {
            wx.ready(() => ready(wx));
            wx.error(() => ready());
            wx.config({ ...config, jsApiList: ["getLocation", "closeWindow"] });
          }),
        ),
      // WGS-84, as the app reads every position; WeChat's "cancel" is the resident's refusal.
      (wx) =>
        new Promise((resolve, reject) =>
          wx.getLocation({
            type: "wgs84",
            success: resolve,
            fail: () => reject({ code: 2 }),
            cancel: () => reject({ code: 1 }),
          }),
        ),
      (wx) => wx.closeWindow(),
    );
  } else {
    host(
      "unionpay",
      (ready) =>
        (/upApplet/.test(agent) ? Promise.resolve(null) : signed("unionpay")).then((config) =>
          // What the page already has is used as it is; otherwise Zepto from here, UPSDK by its address.
          (window.$ ? Promise.resolve() : load(new URL("zepto-1.2.0.min.js", document.baseURI)))
            .then(() => window.upsdk || load("https://open.95516.com/s/open/js/upsdk.js"))
            .then(() => {
              if (!config) return upsdk.pluginReady(() => ready(upsdk));
              upsdk.ready(() => ready(upsdk));
              upsdk.error(() => ready());
              upsdk.config(config);
            }),
        ),
      // GCJ-02 (高德's datum, as UPSDK says), which the app converts. UPSDK gives no accuracy:
      // 100 m is assumed, so that a place that close to the border is called uncertain, not
      // inside. Android's answer is JSON text, iOS's an object.
      (upsdk) =>
        new Promise((resolve, reject) =>
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
        ),
      (upsdk) => upsdk.closeWebApp(),
    );
  }
})();
