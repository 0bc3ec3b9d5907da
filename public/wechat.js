// Inside WeChat's own browser (an official account's page, a link opened in a chat), loaded by
// index.html before the app: the app's host there (src/host.rs, HostKind::WeChat). WeChat's
// JS-SDK gives the position and closes the page once the service has signed this address
// (GET api/v1/hosts/wechat/config); without it (no official account configured, no ticket, no
// network) the browser's geolocation answers, as the app would ask it itself.
(() => {
  let ready = null;
  const sdk = new Promise((resolve) => {
    // Never wait for ever: a position is wanted now.
    setTimeout(resolve, 10000);
    const address = location.href.split("#")[0];
    fetch(new URL(`api/v1/hosts/wechat/config?url=${encodeURIComponent(address)}`, document.baseURI))
      .then((answer) => (answer.ok ? answer.json() : Promise.reject(answer.status)))
      .then(
        (config) =>
          // An SDK the page already has is used as it is; otherwise WeChat's own, by its address.
          new Promise((loaded, failed) => {
            if (window.wx) return loaded();
            const script = document.createElement("script");
            script.src = "https://res.wx.qq.com/open/js/jweixin-1.6.0.js";
            script.onload = loaded;
            script.onerror = failed;
            document.head.append(script);
          }).then(() => {
            wx.ready(() => resolve((ready = wx)));
            wx.error(() => resolve());
            wx.config({
              appId: config.app_id,
              timestamp: config.timestamp,
              nonceStr: config.nonce_str,
              signature: config.signature,
              jsApiList: ["getLocation", "closeWindow"],
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
    kind: "wechat",
    // WGS-84, as the app reads every position; WeChat's "cancel" is the resident's refusal.
    getLocation: () =>
      sdk.then((wx) =>
        wx
          ? new Promise((resolve, reject) =>
              wx.getLocation({
                type: "wgs84",
                success: resolve,
                fail: () => reject({ code: 2 }),
                cancel: () => reject({ code: 1 }),
              }),
            )
          : browser(),
      ),
    close: () => (ready ? (ready.closeWindow(), true) : false),
  };
})();
