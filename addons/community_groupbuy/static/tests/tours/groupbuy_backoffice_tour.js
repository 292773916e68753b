import { registry } from "@web/core/registry";

// Platform staff open a campaign in the back office: name, leader, a product with its
// group price, save, schedule, then open it at once.
registry.category("web_tour.tours").add("groupbuy_backoffice_campaign", {
    url: "/odoo/action-community_groupbuy.action_groupbuy_campaign",
    steps: () => [
        {
            content: "Create a campaign",
            trigger: ".o-kanban-button-new",
            run: "click",
        },
        {
            content: "Name it",
            trigger: ".o_field_widget[name=name] input",
            run: "edit 巡检水蜜桃团",
        },
        {
            content: "Pick the leader",
            trigger: ".o_field_widget[name=leader_id] input",
            run: "edit 巡检团长",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains(巡检团长)",
            run: "click",
        },
        {
            content: "Add a product line",
            trigger: ".o_field_widget[name=line_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=line_ids] .o_data_row .o_field_widget[name=product_id] input",
            run: "edit 巡检水蜜桃",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains(巡检水蜜桃)",
            run: "click",
        },
        {
            content: "Set the group price",
            trigger: ".o_field_widget[name=line_ids] .o_data_row .o_field_widget[name=price_unit] input",
            run: "edit 29.9",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Schedule it",
            trigger: ".o_form_saved button[name=action_schedule]",
            run: "click",
        },
        {
            trigger: ".o_statusbar_status button[data-value=scheduled].o_arrow_button_current",
        },
        {
            content: "Open it now",
            trigger: "button[name=action_open]",
            run: "click",
        },
        {
            content: "The campaign is open",
            trigger: ".o_statusbar_status button[data-value=open].o_arrow_button_current",
        },
    ],
});
