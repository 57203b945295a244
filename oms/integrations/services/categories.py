"""Category trees, their nodes and the products placed in them: what channel-app's product
service reads to send each product under the channel's categories (its channel's configuration
names the tree)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet

from oms.channels.models import Channel
from oms.core.errors import ErrorCode, Problem, ValidationFailed
from oms.core.lookup import get_row
from oms.integrations.models import CatalogItem, CategoryNode, CategoryTree, ProductCategory

# Each level of a path adds this many digits (Omnitron's numbering: 0001, 00010001...).
STEP = 4


def list_category_trees() -> QuerySet[CategoryTree]:
    return CategoryTree.objects.all()


def get_category_tree(*, pk: int) -> CategoryTree:
    return get_row(list_category_trees(), pk, label="Category tree")


def list_category_nodes() -> QuerySet[CategoryNode]:
    return CategoryNode.objects.all()


def get_category_node(*, pk: int) -> CategoryNode:
    return get_row(list_category_nodes(), pk, label="Category node")


def root_of(tree: CategoryTree) -> CategoryNode | None:
    """The tree's root: its node without a parent (the first, should there be several)."""
    return tree.nodes.filter(parent__isnull=True).order_by("path").first()


def list_product_categories(*, channel: Channel) -> QuerySet[ProductCategory]:
    """The categories of the products the channel sells (its catalogs' products)."""
    sold = CatalogItem.objects.filter(catalog__channel=channel, product_id=OuterRef("product_id"))
    return ProductCategory.objects.filter(Exists(sold)).select_related("category")


@transaction.atomic
def create_category_node(*, tree: CategoryTree, parent: CategoryNode | None, name: str) -> CategoryNode:
    """A new node under `parent` (a root without one), numbered after its last sibling. The tree
    row is locked, so two nodes added at once get different paths. ValidationFailed for a parent
    of another tree, or a level past the path's length."""
    CategoryTree.objects.select_for_update().filter(pk=tree.pk).first()
    if parent is not None and parent.tree_id != tree.pk:
        raise ValidationFailed(Problem("parent", ErrorCode.MISMATCH, "The parent is a node of another tree."))
    prefix = parent.path if parent is not None else ""
    siblings = CategoryNode.objects.filter(tree=tree, parent=parent).values_list("path", flat=True)
    number = max((int(path[len(prefix) :]) for path in siblings), default=0) + 1
    path = f"{prefix}{number:0{STEP}d}"
    if len(path) > CategoryNode._meta.get_field("path").max_length or number >= 10**STEP:
        raise ValidationFailed(Problem("parent", ErrorCode.OUT_OF_RANGE, "No room for another node here."))
    return CategoryNode.objects.create(tree=tree, parent=parent, name=name, path=path)
