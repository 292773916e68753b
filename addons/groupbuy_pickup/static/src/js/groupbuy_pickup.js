/** @odoo-module **/
import publicWidget from "@web/legacy/js/public/public_widget";
import { rpc } from "@web/core/network/rpc";

/**
 * The join form's pickup point: when the browser gives a location, the points are
 * re-ordered nearest first (the server's close-locations lookup), keeping the
 * customer's choice selected.
 */
publicWidget.registry.GroupbuyPickupChoice = publicWidget.Widget.extend({
    selector: ".o_groupbuy_pickup_choice",
    events: { "click .o_groupbuy_pickup_near": "_onNearest" },

    start() {
        if (navigator.geolocation) {
            this.el.querySelector(".o_groupbuy_pickup_near").classList.remove("d-none");
        }
        return this._super(...arguments);
    },

    _onNearest() {
        navigator.geolocation.getCurrentPosition(
            (position) => this._sortNear(position.coords.latitude, position.coords.longitude),
            () => {},
            { timeout: 8000, maximumAge: 600000 }
        );
    },

    async _sortNear(latitude, longitude) {
        const data = await rpc(`/groupbuy/${this.el.dataset.code}/pickup_points`, { latitude, longitude });
        const select = this.el.querySelector(".o_groupbuy_pickup_select");
        const chosen = select.value;
        select.replaceChildren(
            ...data.pickup_locations.map((location) => {
                const option = document.createElement("option");
                option.value = location.id;
                const distance = location.distance !== null ? ` · ${location.distance} km` : "";
                option.textContent = `${location.name}${location.street ? " · " + location.street : ""}${distance}`;
                return option;
            })
        );
        select.value = chosen;
    },
});

/**
 * Verification: scan the customer's QR code with the phone camera where the browser
 * has the BarcodeDetector API; typing the code always works.
 */
publicWidget.registry.GroupbuyPickupScan = publicWidget.Widget.extend({
    selector: ".o_groupbuy_pickup_form",
    events: { "click .o_groupbuy_pickup_scan": "_onScan" },

    start() {
        if ("BarcodeDetector" in window && navigator.mediaDevices?.getUserMedia) {
            this.el.querySelector(".o_groupbuy_pickup_scan").classList.remove("d-none");
        }
        return this._super(...arguments);
    },

    async _onScan() {
        const video = this.el.querySelector(".o_groupbuy_pickup_video");
        const input = this.el.querySelector(".o_groupbuy_pickup_code_input");
        let stream;
        try {
            stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
        } catch {
            input.focus();
            return;
        }
        const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        video.srcObject = stream;
        video.classList.remove("d-none");
        this.el.querySelector(".o_groupbuy_pickup_scan_hint").classList.remove("d-none");
        await video.play();
        const stop = () => {
            stream.getTracks().forEach((track) => track.stop());
            video.classList.add("d-none");
        };
        const tick = async () => {
            if (!video.srcObject) {
                return;
            }
            try {
                const codes = await detector.detect(video);
                const value = codes.length && codes[0].rawValue.replace(/\D/g, "");
                if (value) {
                    stop();
                    input.value = value;
                    this.el.requestSubmit();
                    return;
                }
            } catch {
                // a frame the detector could not read: try the next one
            }
            window.requestAnimationFrame(tick);
        };
        this.stopScan = stop;
        tick();
    },

    destroy() {
        this.stopScan?.();
        this._super(...arguments);
    },
});
