import { registry } from "@web/core/registry";

const tours = registry.category("web_tour.tours");

// A visitor opens a shared campaign link, proves their phone with the code sent by
// SMS, joins and pays.
tours.add("groupbuy_visitor_join_pay", {
    steps: () => [
        {
            content: "Choose 2 of the first product",
            trigger: ".o_groupbuy_join_form .o_groupbuy_qty:first",
            run: "edit 2",
        },
        {
            content: "Answer the leader's question",
            trigger: "input[name=answer_note]",
            run: "edit 放门卫室",
        },
        { trigger: "#gb_name", run: "edit 游客小王" },
        { trigger: "#gb_phone", run: "edit 13900009999" },
        {
            content: "Ask for a code",
            trigger: ".o_groupbuy_send_code",
            run: "click",
        },
        {
            content: "The code is on its way; what was typed is kept",
            trigger: ".o_groupbuy_code_sent:contains(139****9999)",
        },
        {
            trigger: ".o_groupbuy_join_form input.o_groupbuy_qty[value='2']",
        },
        {
            content: "Type the code from the text message",
            trigger: "#gb_code",
            run: "edit 246810",
        },
        {
            content: "Join",
            trigger: ".o_groupbuy_join_button",
            run: "click",
        },
        {
            content: "The entry waits for payment",
            trigger: ".o_groupbuy_entry a.o_groupbuy_pay",
            timeout: 30000, // the join's page on a busy test machine
            run: "click",
        },
        {
            content: "Open the payment form",
            trigger: "#o_sale_portal_paynow:visible",
            run: "click",
        },
        {
            trigger: "#modalaccept input[name=o_payment_radio][data-payment-method-code=demo]",
            run: "click",
        },
        {
            content: "Pay with the demo provider",
            trigger: "#modalaccept button[name=o_payment_submit_button]:not(:disabled)",
            run: "click",
        },
        {
            // only once the payment is done (not while it is processed, nor before)
            content: "The payment is confirmed",
            trigger: "div[name=o_payment_status_alert].alert-success .fa-check",
            timeout: 30000, // the status page polls until the order page shows the payment
        },
    ],
});

// A customer lowers the quantity of their entry, then cancels it.
tours.add("groupbuy_customer_change_cancel", {
    steps: () => [
        {
            content: "Open the entry",
            trigger: ".o_groupbuy_entries a:first",
            run: "click",
        },
        {
            content: "One box instead of two",
            trigger: ".o_groupbuy_entry_form .o_groupbuy_qty:first",
            run: "edit 1",
        },
        {
            trigger: ".o_groupbuy_save",
            run: "click",
        },
        {
            content: "The change is confirmed",
            trigger: ".o_groupbuy_message",
        },
        {
            content: "Cancel the entry",
            trigger: ".o_groupbuy_cancel",
            run: "click",
        },
        {
            // the "changed" message is on the page before the cancel: wait for this one
            content: "Cancelled and refunded",
            trigger: ".o_groupbuy_message:contains(cancelled)",
        },
        {
            trigger: ".o_groupbuy_entry:not(:has(.o_groupbuy_cancel)):not(:has(.o_groupbuy_save))",
        },
    ],
});

// A leader duplicates a past campaign, schedules the copy and shares it.
tours.add("groupbuy_leader_duplicate_schedule_share", {
    steps: () => [
        {
            content: "Open the past campaign",
            trigger: ".o_groupbuy_campaign_item:contains(上周土鸡蛋团)",
            run: "click",
        },
        {
            content: "Duplicate it with new dates",
            trigger: ".o_groupbuy_duplicate",
            run: "click",
        },
        {
            content: "Schedule the copy",
            trigger: ".o_groupbuy_leader_campaign:contains(上周土鸡蛋团) .o_groupbuy_schedule",
            run: "click",
        },
        {
            content: "The share link carries the leader",
            trigger: ".o_groupbuy_share .o_groupbuy_share_url",
        },
        {
            content: "Copy the link",
            trigger: ".o_groupbuy_share .o_groupbuy_copy",
            run: "click",
        },
        {
            trigger: ".o_groupbuy_share .o_groupbuy_copied",
        },
        {
            content: "A poster is offered",
            trigger: ".o_groupbuy_poster[href*='poster.png']",
        },
    ],
});

// Someone outside an exclusive campaign's segment is turned away.
tours.add("groupbuy_exclusive_outsider", {
    steps: () => [
        {
            content: "The page says the group is exclusive",
            trigger: ".o_groupbuy_exclusive",
        },
        {
            content: "and offers nothing to pay",
            trigger: ".o_groupbuy_campaign:not(:has(.o_groupbuy_join_button)):not(:has(.o_groupbuy_qty))",
        },
    ],
});

// The countdown speaks the page's language (Chinese on Chinese pages), ticking by the second.
tours.add("groupbuy_countdown_zh", {
    steps: () => [
        {
            content: "The script wrote the countdown in Chinese",
            trigger: ".o_groupbuy_countdown:contains(距结束 )",
            run() {
                const text = document.querySelector(".o_groupbuy_countdown").textContent;
                if (!/^距结束 (\d+天 )?\d\d:\d\d:\d\d$/.test(text)) {
                    throw new Error(`countdown not in Chinese: ${text}`);
                }
            },
        },
    ],
});

// A queued join's waiting page goes on to the customer's entry by itself once the
// order exists: its script polls the request's state, the page is not reloaded.
tours.add("groupbuy_queue_follows_to_entry", {
    steps: () => [
        {
            content: "The waiting page shows the chain number",
            trigger: ".o_groupbuy_queue[data-state-url] .o_groupbuy_queue_status",
        },
        {
            content: "then the entry, to pay or cancel",
            trigger: ".o_groupbuy_cancel",
            timeout: 20000,
        },
        {
            // the test browser is closed after the last step: let the entry page's
            // start-up requests end first (a request cut off is logged as an error)
            content: "Let the page's start-up requests end",
            trigger: "body",
            async run() {
                await new Promise((resolve) => setTimeout(resolve, 1500));
            },
        },
    ],
});
