from odoo import models
from odoo.tools import float_compare, groupby

# The context key the close's batch of confirmations runs in
# (``groupbuy.campaign._confirm_waiting_orders``); nothing else sets it.
CLOSE_PICKINGS = "groupbuy_close_pickings"
ORIGIN_NOTE = "mail.message_origin_link"


class StockMove(models.Model):
    _inherit = "stock.move"

    def _action_confirm(self, merge=True, merge_into=False):
        # remember the moves this confirmation confirms (``_assign_picking``)
        if self.env.context.get(CLOSE_PICKINGS) and "groupbuy_close_moves" not in self.env.context:
            drafts = self.filtered(lambda m: m.state == "draft")
            self = self.with_context(groupbuy_close_moves=tuple(drafts.ids))  # noqa: PLW0642
        return super()._action_confirm(merge=merge, merge_into=merge_into)

    def _assign_picking(self):
        """In a campaign's close, give the batch's moves their pickings with one
        ``stock.picking.create`` for all the new ones (Odoo creates one at a time).

        Moves are grouped as Odoo groups them (``_key_assign_picking``, so each order
        keeps its own delivery: its procurement group), an open picking of the same
        group is reused as Odoo reuses it, and every picking gets Odoo's values
        (``_get_new_picking_values``: origin, group, partner) and post-processing
        (``_assign_picking_post_process``). Sale_stock's *created from* note on each
        new delivery is logged for the whole batch at once
        (``_groupbuy_log_origin_notes``) instead of one ``message_post`` each.
        """
        if not self.env.context.get(CLOSE_PICKINGS):
            return super()._assign_picking()
        todo = self
        batch = self.env.context.get("groupbuy_close_moves")
        if batch:
            # Odoo's ``_action_confirm`` calls this once per procurement group (order):
            # the first call gives pickings to all the batch's moves confirmed with it,
            # the next ones find theirs assigned
            todo |= self.browse(batch).filtered(lambda m: m.state not in ("draft", "cancel", "done"))
        todo = todo.filtered(lambda m: not m.picking_id and m.picking_type_id)
        new_groups = []
        for _key, moves in groupby(todo, key=lambda m: m._key_assign_picking()):
            moves = self.env["stock.move"].concat(*moves)
            picking = moves[0]._search_picking_for_assignation()
            if picking:
                vals = moves._assign_picking_values(picking)
                if vals:
                    picking.write(vals)
                moves.write({"picking_id": picking.id})
                moves._assign_picking_post_process(new=False)
                continue
            # as Odoo: no picking for negative moves (they are reversed elsewhere)
            moves = moves.filtered(
                lambda m: float_compare(m.product_uom_qty, 0.0, precision_rounding=m.product_uom.rounding) >= 0
            )
            if moves:
                new_groups.append(moves)
        if not new_groups:
            return True
        # (a new picking confirms its moves again: not the batch's others)
        pickings = self.env["stock.picking"].with_context(groupbuy_close_moves=()).create(
            [moves._get_new_picking_values() for moves in new_groups]
        )
        for moves, picking in zip(new_groups, pickings):
            moves.write({"picking_id": picking.id})
            moves.with_context(groupbuy_origin_note_batched=True)._assign_picking_post_process(new=True)
        pickings._groupbuy_log_origin_notes(new_groups)
        return True


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def message_post_with_source(self, source_ref, render_values=None, **kwargs):
        # sale_stock's *created from* note of a delivery the close creates: logged for
        # the batch by ``_groupbuy_log_origin_notes``
        if self.env.context.get("groupbuy_origin_note_batched") and source_ref == ORIGIN_NOTE:
            return self.env["mail.message"]
        return super().message_post_with_source(source_ref, render_values=render_values, **kwargs)

    def _groupbuy_log_origin_notes(self, moves_per_picking):
        """Log on each picking the note sale_stock posts on a new delivery (*This
        transfer has been created from: <order>*, the same view), all in one batch.

        :param list moves_per_picking: the moves of each picking of ``self``, in order
        """
        render = self.env["mail.render.mixin"]._render_template_qweb_view
        bodies = {}
        for picking, moves in zip(self, moves_per_picking):
            orders = moves.sale_line_id.order_id
            if orders:
                # one note per order, as sale_stock posts them
                bodies[picking.id] = [
                    render(ORIGIN_NOTE, picking._name, picking.ids, add_context={"self": picking, "origin": order})[
                        picking.id
                    ]
                    for order in orders
                ]
        if not bodies:
            return self.env["mail.message"]
        # the common case, one order per delivery: one batch
        single = self.browse([pid for pid, notes in bodies.items() if len(notes) == 1])
        messages = single._message_log_batch({pid: bodies[pid][0] for pid in single.ids})
        for pid, notes in bodies.items():
            if len(notes) > 1:
                for note in notes:
                    messages |= self.browse(pid)._message_log_batch({pid: note})
        return messages
